"""encryption at rest: data_keys, reseal_jobs; sealed text columns become TEXT; channel search keys
without the topic (topics are sealed, so they are no longer searchable)

Existing rows stay plaintext here (a migration has no master key): each node seals them in the
background after start (``services/encryption.py``, a "legacy" re-encryption job per organisation).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 10:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from axon.domain.names import search_key

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('data_keys',
    sa.Column('id', sa.String(length=12), nullable=False),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('wrapped', sa.Text(), nullable=False),
    sa.Column('master_key_id', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('all_sealed_at', sa.BigInteger(), nullable=True),
    sa.Column('retired_at', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id']),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_data_keys_org_id', 'data_keys', ['org_id'])
    op.create_table('reseal_jobs',
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('key_id', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('cursor', sa.Text(), nullable=False),
    sa.Column('done', sa.BigInteger(), nullable=False),
    sa.Column('resealed', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('passes', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.Column('finished_at', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id']),
    sa.PrimaryKeyConstraint('org_id')
    )
    if op.get_bind().dialect.name == 'postgresql':  # SQLite does not enforce lengths
        op.alter_column('conversations', 'topic', type_=sa.Text())
        op.alter_column('users', 'title', type_=sa.Text())
        op.alter_column('users', 'status_text', type_=sa.Text())
    conversations = sa.table('conversations', sa.column('id', sa.String), sa.column('name', sa.Text),
                             sa.column('search_key', sa.Text))
    bind = op.get_bind()
    for conv_id, name in bind.execute(sa.select(conversations.c.id, conversations.c.name)).all():
        bind.execute(conversations.update().where(conversations.c.id == conv_id)
                     .values(search_key=search_key(name)))


def downgrade() -> None:
    op.drop_table('reseal_jobs')
    op.drop_index('ix_data_keys_org_id', table_name='data_keys')
    op.drop_table('data_keys')
