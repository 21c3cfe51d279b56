"""search_recent: each person's last searches, the query sealed at rest

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 16:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('search_recent',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('searched_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_search_recent_user', 'search_recent', ['user_id', 'searched_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_search_recent_user', table_name='search_recent')
    op.drop_table('search_recent')
