"""event hints: the meeting time each message proposes (AI helpers, "meeting times → calendar
events"), kept by the ``event_hints`` durable consumer; no text is stored (the title is derived
again from the sealed message and the time expression's span)

Revision ID: 0022
Revises: 0020 (0021 when merged after the calendar's)
Create Date: 2026-12-07 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('event_hints',
    sa.Column('message_id', sa.String(length=32), nullable=False),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('sender_id', sa.String(length=32), nullable=False),
    sa.Column('edited_at', sa.BigInteger(), nullable=True),
    sa.Column('start_at', sa.BigInteger(), nullable=False),
    sa.Column('end_at', sa.BigInteger(), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('all_day', sa.Boolean(), nullable=False),
    sa.Column('span_start', sa.Integer(), nullable=False),
    sa.Column('span_end', sa.Integer(), nullable=False),
    sa.Column('participants', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('message_id')
    )
    op.create_index('ix_event_hints_conversation_seq', 'event_hints', ['conversation_id', 'seq'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_event_hints_conversation_seq', table_name='event_hints')
    op.drop_table('event_hints')
