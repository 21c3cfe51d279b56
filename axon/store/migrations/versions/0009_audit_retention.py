"""audit log (hash-chained entries per organisation, each chain's head); retention and legal holds

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 09:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
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
    with op.batch_alter_table('orgs') as batch:
        batch.add_column(sa.Column('retention_days', sa.Integer(), nullable=True))
    with op.batch_alter_table('conversations') as batch:
        batch.add_column(sa.Column('retention_days', sa.Integer(), nullable=True))
    op.create_table('legal_holds',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('target_type', sa.String(length=16), nullable=False),
    sa.Column('target_id', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('released_at', sa.BigInteger(), nullable=True),
    sa.Column('released_by', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_legal_holds_org', 'legal_holds', ['org_id', 'target_type', 'target_id'])
    op.create_table('job_leases',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('owner', sa.String(length=32), nullable=False),
    sa.Column('lease_until', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('audit_chains',
    sa.Column('chain', sa.String(length=32), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('chain')
    )


def downgrade() -> None:
    op.drop_table('job_leases')
    op.drop_index('ix_legal_holds_org', table_name='legal_holds')
    op.drop_table('legal_holds')
    with op.batch_alter_table('conversations') as batch:
        batch.drop_column('retention_days')
    with op.batch_alter_table('orgs') as batch:
        batch.drop_column('retention_days')
    op.drop_table('audit_chains')
    op.drop_index('ix_audit_entries_time', table_name='audit_entries')
    op.drop_index('ix_audit_entries_target', table_name='audit_entries')
    op.drop_index('ix_audit_entries_actor', table_name='audit_entries')
    op.drop_index('ix_audit_entries_action', table_name='audit_entries')
    op.drop_table('audit_entries')
