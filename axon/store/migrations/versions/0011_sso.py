"""single sign-on: LDAP and OIDC providers per organisation, linked identities, sign-in policy, OIDC logins

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 09:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sso_providers',
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('config', sa.Text(), nullable=False),
    sa.Column('secret', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.Column('sync_lease_node', sa.String(length=64), nullable=True),
    sa.Column('sync_lease_until', sa.BigInteger(), nullable=True),
    sa.Column('last_sync_at', sa.BigInteger(), nullable=True),
    sa.Column('last_sync_result', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id']),
    sa.PrimaryKeyConstraint('org_id', 'kind')
    )
    op.create_table('sso_identities',
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.String(length=512), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('disabled_by_sync', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id']),
    sa.ForeignKeyConstraint(['user_id'], ['users.id']),
    sa.PrimaryKeyConstraint('org_id', 'kind', 'subject')
    )
    op.create_index(op.f('ix_sso_identities_user_id'), 'sso_identities', ['user_id'], unique=False)
    op.create_table('sign_in_policies',
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('sso_required', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id']),
    sa.PrimaryKeyConstraint('org_id')
    )
    op.create_table('oidc_logins',
    sa.Column('state', sa.String(length=64), nullable=False),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('code_verifier', sa.String(length=128), nullable=False),
    sa.Column('binding_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('expires_at', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=True),
    sa.Column('error', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id']),
    sa.PrimaryKeyConstraint('state')
    )
    op.create_index(op.f('ix_oidc_logins_expires_at'), 'oidc_logins', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_oidc_logins_expires_at'), table_name='oidc_logins')
    op.drop_table('oidc_logins')
    op.drop_table('sign_in_policies')
    op.drop_index(op.f('ix_sso_identities_user_id'), table_name='sso_identities')
    op.drop_table('sso_identities')
    op.drop_table('sso_providers')
