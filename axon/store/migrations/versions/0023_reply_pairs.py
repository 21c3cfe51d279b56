"""smart replies: learned (message → reply) pairs, one per reply message, in the order they were
written (``version``: the outbox position of the consumer's page); a NULL vector is a removal

Revision ID: 0023
Revises: 0020 (0022 once the ai-calendar and ai-extract migrations are merged before it)
Create Date: 2026-12-07 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reply_pairs',
    sa.Column('reply_id', sa.String(length=32), nullable=False),
    sa.Column('prompt_id', sa.String(length=32), nullable=False),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('vector', sa.Text(), nullable=True),
    sa.Column('reply_text', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('reply_id')
    )
    op.create_index('ix_reply_pairs_org_version', 'reply_pairs', ['org_id', 'version'], unique=False)
    op.create_index('ix_reply_pairs_prompt', 'reply_pairs', ['prompt_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_reply_pairs_prompt', table_name='reply_pairs')
    op.drop_index('ix_reply_pairs_org_version', table_name='reply_pairs')
    op.drop_table('reply_pairs')
