"""AI endpoint settings per organisation: the translation provider, the OpenAI-compatible chat
endpoint and the LibreTranslate endpoint (``config``), their API keys sealed at rest

Revision ID: 0024
Revises: 0020
Create Date: 2026-12-07 19:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ai_settings',
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('config', sa.Text(), nullable=False),
    sa.Column('chat_api_key', sa.Text(), nullable=False),
    sa.Column('translation_api_key', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], ),
    sa.PrimaryKeyConstraint('org_id')
    )


def downgrade() -> None:
    op.drop_table('ai_settings')
