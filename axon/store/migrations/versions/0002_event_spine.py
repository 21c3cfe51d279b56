"""event spine: the durable outbox, consumer cursors and the organisation activity counts

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 05:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('event_log',
    sa.Column('pos', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('committed_at', sa.BigInteger(), nullable=False),
    sa.Column('batch', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('pos')
    )
    op.create_table('counters',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.execute("INSERT INTO counters (name, value) VALUES ('event_log', 0)")
    op.create_table('spine_cursors',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('pos', sa.BigInteger(), nullable=False),
    sa.Column('owner', sa.String(length=32), nullable=False),
    sa.Column('lease_until', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('org_activity',
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('messages', sa.BigInteger(), nullable=False),
    sa.Column('replies', sa.BigInteger(), nullable=False),
    sa.Column('reactions', sa.BigInteger(), nullable=False),
    sa.Column('joins', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('org_id', 'day')
    )


def downgrade() -> None:
    op.drop_table('org_activity')
    op.drop_table('spine_cursors')
    op.drop_table('counters')
    op.drop_table('event_log')
