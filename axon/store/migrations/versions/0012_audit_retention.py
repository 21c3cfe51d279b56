"""audit log: hash-chained entries, one chain per organisation, and each chain's head

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-07 09:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_entries',
    sa.Column('chain', sa.String(length=32), nullable=False),
    sa.Column('position', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('actor_user_id', sa.String(length=32), nullable=True),
    sa.Column('actor_device_id', sa.String(length=32), nullable=True),
    sa.Column('actor_address', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target_type', sa.String(length=32), nullable=False),
    sa.Column('target_id', sa.String(length=64), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('chain', 'position')
    )
    op.create_index('ix_audit_entries_action', 'audit_entries', ['chain', 'action', 'position'])
    op.create_index('ix_audit_entries_actor', 'audit_entries', ['chain', 'actor_user_id', 'position'])
    op.create_index('ix_audit_entries_target', 'audit_entries', ['chain', 'target_id', 'position'])
    op.create_index('ix_audit_entries_time', 'audit_entries', ['chain', 'created_at'])
    op.create_table('audit_chains',
    sa.Column('chain', sa.String(length=32), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('chain')
    )


def downgrade() -> None:
    op.drop_table('audit_chains')
    op.drop_index('ix_audit_entries_time', table_name='audit_entries')
    op.drop_index('ix_audit_entries_target', table_name='audit_entries')
    op.drop_index('ix_audit_entries_actor', table_name='audit_entries')
    op.drop_index('ix_audit_entries_action', table_name='audit_entries')
    op.drop_table('audit_entries')
