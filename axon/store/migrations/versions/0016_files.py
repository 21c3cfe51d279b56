"""files: stored contents (blobs, per organisation by SHA-256), resumable uploads and their parts,
files shared in conversations, voice messages played; messages count their files

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('messages') as batch:
        batch.add_column(sa.Column('file_count', sa.Integer(), nullable=False, server_default='0'))
    op.create_table('blobs',
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('object', sa.String(length=160), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('thumb_mime', sa.String(length=32), nullable=True),
    sa.Column('thumb_size', sa.BigInteger(), nullable=True),
    sa.Column('refs', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('released_at', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], ),
    sa.PrimaryKeyConstraint('org_id', 'sha256')
    )
    op.create_index('ix_blobs_released', 'blobs', ['released_at'], unique=False)
    op.create_table('uploads',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('mime', sa.String(length=255), nullable=False),
    sa.Column('voice', sa.Boolean(), nullable=False),
    sa.Column('received', sa.BigInteger(), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('file_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('expires_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_uploads_expires_at'), 'uploads', ['expires_at'], unique=False)
    op.create_index('ix_uploads_org_user', 'uploads', ['org_id', 'user_id'], unique=False)
    op.create_table('upload_parts',
    sa.Column('upload_id', sa.String(length=32), nullable=False),
    sa.Column('start', sa.BigInteger(), nullable=False),
    sa.Column('length', sa.BigInteger(), nullable=False),
    sa.Column('object', sa.String(length=160), nullable=False),
    sa.ForeignKeyConstraint(['upload_id'], ['uploads.id'], ),
    sa.PrimaryKeyConstraint('upload_id', 'start')
    )
    op.create_table('files',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('uploader_id', sa.String(length=32), nullable=False),
    sa.Column('message_id', sa.String(length=32), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('mime', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('duration_ms', sa.BigInteger(), nullable=True),
    sa.Column('waveform', sa.Text(), nullable=True),
    sa.Column('animated', sa.Boolean(), nullable=False),
    sa.Column('thumb_width', sa.Integer(), nullable=True),
    sa.Column('thumb_height', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], ),
    sa.ForeignKeyConstraint(['uploader_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_files_blob', 'files', ['org_id', 'sha256'], unique=False)
    op.create_index('ix_files_conversation', 'files', ['conversation_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_files_message_id'), 'files', ['message_id'], unique=False)
    op.create_index('ix_files_org_uploader', 'files', ['org_id', 'uploader_id'], unique=False)
    op.create_table('voice_plays',
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('file_id', sa.String(length=32), nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('played_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('user_id', 'file_id')
    )
    op.create_index('ix_voice_plays_file', 'voice_plays', ['file_id'], unique=False)


def downgrade() -> None:
    op.drop_table('voice_plays')
    op.drop_table('files')
    op.drop_table('upload_parts')
    op.drop_table('uploads')
    op.drop_table('blobs')
    with op.batch_alter_table('messages') as batch:
        batch.drop_column('file_count')
