"""search: the keyword index (``search_docs`` with an FTS5 table on SQLite, a tsvector column and
GIN index on PostgreSQL), organisations' own words, and each organisation's key for blind terms

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 16:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    op.create_table('search_docs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('message_id', sa.String(length=32), nullable=False),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('sender_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('reply_to', sa.String(length=32), nullable=True),
    sa.Column('has_file', sa.Boolean(), nullable=False),
    sa.Column('has_image', sa.Boolean(), nullable=False),
    sa.Column('has_link', sa.Boolean(), nullable=False),
    sa.Column('has_voice', sa.Boolean(), nullable=False),
    sa.Column('blind', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id')
    )
    op.create_index('ix_search_docs_conversation', 'search_docs', ['conversation_id', 'created_at'], unique=False)
    op.create_index('ix_search_docs_org', 'search_docs', ['org_id', 'id'], unique=False)
    if postgres:
        op.execute("ALTER TABLE search_docs ADD COLUMN terms tsvector NOT NULL DEFAULT ''::tsvector")
        op.execute("CREATE INDEX ix_search_docs_terms ON search_docs USING gin (terms)")
    else:
        # Terms are cut by axon.domain.search_terms and joined by spaces; the ascii tokenizer splits
        # on ASCII spaces and punctuation only, so every term (CJK included) is one token, unchanged.
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(terms, tokenize = 'ascii')")
    op.create_table('search_words',
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('word', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], ),
    sa.PrimaryKeyConstraint('org_id', 'word')
    )
    op.create_table('search_keys',
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('wrapped', sa.Text(), nullable=False),
    sa.Column('master_key_id', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], ),
    sa.PrimaryKeyConstraint('org_id')
    )


def downgrade() -> None:
    op.drop_table('search_keys')
    op.drop_table('search_words')
    if op.get_bind().dialect.name != 'postgresql':
        op.execute("DROP TABLE search_fts")
    op.drop_index('ix_search_docs_org', table_name='search_docs')
    op.drop_index('ix_search_docs_conversation', table_name='search_docs')
    op.drop_table('search_docs')
