"""profiles and forwarding: status emoji and avatar version on users, the avatars table, forwarded messages

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 06:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('status_emoji', sa.String(length=64), nullable=False, server_default=''))
        batch.add_column(sa.Column('avatar_etag', sa.String(length=32), nullable=True))
    with op.batch_alter_table('messages') as batch:
        batch.add_column(sa.Column('forwarded', sa.Text(), nullable=True))
    op.create_table('avatars',
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('etag', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id']),
    sa.PrimaryKeyConstraint('user_id')
    )


def downgrade() -> None:
    op.drop_table('avatars')
    with op.batch_alter_table('messages') as batch:
        batch.drop_column('forwarded')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('avatar_etag')
        batch.drop_column('status_emoji')
