"""@axon reminders: a person's reminder (sealed text, due time, the message it is about, the question
that set it, unique per user), delivered or cancelled once

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 22:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reminders',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('due_at', sa.BigInteger(), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=True),
    sa.Column('message_id', sa.String(length=32), nullable=True),
    sa.Column('seq', sa.BigInteger(), nullable=True),
    sa.Column('source_message_id', sa.String(length=32), nullable=False),
    sa.Column('answer_message_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('delivered_at', sa.BigInteger(), nullable=True),
    sa.Column('cancelled_at', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'source_message_id', name='uq_reminders_source')
    )
    op.create_index('ix_reminders_pending_due', 'reminders', ['delivered_at', 'cancelled_at', 'due_at'], unique=False)
    op.create_index('ix_reminders_user_due', 'reminders', ['user_id', 'due_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_reminders_user_due', table_name='reminders')
    op.drop_index('ix_reminders_pending_due', table_name='reminders')
    op.drop_table('reminders')
