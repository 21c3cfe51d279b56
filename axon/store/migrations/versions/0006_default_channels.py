"""default channels: each organisation's #general and the channels new members join

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 06:50:00

Only the schema: organisations from before this revision get their #general at start-up
(``services/default_channels.ensure_general_channels``), written through the group-commit
writer like any channel, so its events are sequenced, in the outbox and published.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('orgs') as batch:
        batch.add_column(sa.Column('general_channel_id', sa.String(length=32), nullable=True))
    op.create_table('default_channels',
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], ),
    sa.PrimaryKeyConstraint('org_id', 'conversation_id')
    )


def downgrade() -> None:
    op.drop_table('default_channels')
    with op.batch_alter_table('orgs') as batch:
        batch.drop_column('general_channel_id')
