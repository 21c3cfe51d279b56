"""What an account is: ``kind`` ("person", or "assistant" for the organisation's @axon)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 22:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('users', sa.Column('kind', sa.String(length=16), server_default='person', nullable=False))


def downgrade() -> None:
    # Not batch mode: on SQLite that copies the table and drops "users", which every foreign key refuses.
    # SQLite (3.35+) and PostgreSQL both drop a column in place. The assistants' rows stay, as accounts
    # nobody can sign in to (their messages and DMs keep their sender).
    op.execute("ALTER TABLE users DROP COLUMN kind")
