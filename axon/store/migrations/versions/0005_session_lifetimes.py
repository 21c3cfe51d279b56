"""sign-ins expire (per-organisation idle and maximum days); revoked devices are found by time

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 07:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('orgs') as batch:
        batch.add_column(sa.Column('session_idle_days', sa.Integer(), nullable=False, server_default='30'))
        batch.add_column(sa.Column('session_max_days', sa.Integer(), nullable=False, server_default='90'))
    op.create_index(op.f('ix_devices_revoked_at'), 'devices', ['revoked_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_devices_revoked_at'), table_name='devices')
    with op.batch_alter_table('orgs') as batch:
        batch.drop_column('session_max_days')
        batch.drop_column('session_idle_days')
