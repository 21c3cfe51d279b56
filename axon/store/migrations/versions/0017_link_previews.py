"""link previews: the preview of each message that has one (or the sender's choice of none) and a
per-organisation cache of what each URL showed

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 13:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('message_previews',
    sa.Column('message_id', sa.String(length=32), nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('data', sa.Text(), nullable=True),
    sa.Column('image', sa.LargeBinary(), nullable=True),
    sa.Column('image_mime', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('message_id')
    )
    op.create_table('link_preview_cache',
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('url_hash', sa.String(length=64), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('data', sa.Text(), nullable=True),
    sa.Column('image', sa.LargeBinary(), nullable=True),
    sa.Column('image_mime', sa.String(length=32), nullable=True),
    sa.Column('fetched_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('org_id', 'url_hash')
    )
    op.create_index('ix_link_preview_cache_fetched', 'link_preview_cache', ['fetched_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_link_preview_cache_fetched', table_name='link_preview_cache')
    op.drop_table('link_preview_cache')
    op.drop_table('message_previews')
