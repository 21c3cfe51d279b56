"""roles, permissions and modules: organisation owners and guests, read-only members, announcement
channels, guest invites, each organisation's policy and modules

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 10:00:00

Each organisation's oldest admin (its creator, for organisations made by ``bootstrap``) becomes its
owner; the other admins stay admins. No ``org_settings`` row means the default policy and modules,
which are what Axon did before this revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('conversations') as batch:
        batch.add_column(sa.Column('announcement', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('invites') as batch:
        batch.add_column(sa.Column('role', sa.String(length=16), nullable=False, server_default='member'))
        batch.add_column(sa.Column('conversation_ids', sa.Text(), nullable=False, server_default='[]'))
    op.create_table('org_settings',
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('policy', sa.Text(), nullable=False),
    sa.Column('modules', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_by', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], ),
    sa.PrimaryKeyConstraint('org_id')
    )
    op.execute(
        "UPDATE users SET org_role = 'owner' WHERE id IN ("
        " SELECT (SELECT a.id FROM users a WHERE a.org_id = o.id AND a.org_role = 'admin'"
        "         ORDER BY a.disabled, a.created_at, a.id LIMIT 1)"
        " FROM orgs o)"
    )


def downgrade() -> None:
    op.execute("UPDATE users SET org_role = 'admin' WHERE org_role = 'owner'")
    op.execute("UPDATE users SET org_role = 'member' WHERE org_role = 'guest'")
    op.execute("UPDATE members SET role = 'member' WHERE role = 'read_only'")
    op.drop_table('org_settings')
    with op.batch_alter_table('invites') as batch:
        batch.drop_column('conversation_ids')
        batch.drop_column('role')
    with op.batch_alter_table('conversations') as batch:
        batch.drop_column('announcement')
