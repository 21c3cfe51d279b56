"""devices: platform, last address, remote wipe (requested, confirmed)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 09:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('devices') as batch:
        batch.add_column(sa.Column('platform', sa.String(length=200), nullable=False, server_default=''))
        batch.add_column(sa.Column('last_address', sa.String(length=64), nullable=False, server_default=''))
        batch.add_column(sa.Column('wipe_requested_at', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('wiped_at', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('devices') as batch:
        batch.drop_column('wiped_at')
        batch.drop_column('wipe_requested_at')
        batch.drop_column('last_address')
        batch.drop_column('platform')
