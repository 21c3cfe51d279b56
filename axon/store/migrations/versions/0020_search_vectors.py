"""search vectors: one sentence vector per message for semantic search, in the order they were
written (``version``: the outbox position of the page that wrote the row, so every node can read
what changed since its last look); a NULL vector is a removal that nodes must forget

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 16:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('search_vectors',
    sa.Column('message_id', sa.String(length=32), nullable=False),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('vector', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('message_id')
    )
    op.create_index('ix_search_vectors_org_version', 'search_vectors', ['org_id', 'version'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_search_vectors_org_version', table_name='search_vectors')
    op.drop_table('search_vectors')
