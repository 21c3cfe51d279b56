"""calendar: events, attendees, reminders sent, secret feeds; a card (JSON) on messages

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 19:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('messages') as batch:
        batch.add_column(sa.Column('card', sa.Text(), nullable=True))
    op.create_table('calendar_events',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('organizer_id', sa.String(length=32), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('location', sa.Text(), nullable=False),
    sa.Column('start_at', sa.BigInteger(), nullable=False),
    sa.Column('end_at', sa.BigInteger(), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=True),
    sa.Column('source_message_id', sa.String(length=32), nullable=True),
    sa.Column('card_message_id', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reminders', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id']),
    sa.ForeignKeyConstraint(['organizer_id'], ['users.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organizer_id', 'idempotency_key', name='uq_calendar_events_idempotency')
    )
    op.create_index('ix_calendar_events_start', 'calendar_events', ['start_at'], unique=False)
    op.create_table('calendar_attendees',
    sa.Column('event_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('response', sa.String(length=16), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['calendar_events.id']),
    sa.ForeignKeyConstraint(['user_id'], ['users.id']),
    sa.PrimaryKeyConstraint('event_id', 'user_id')
    )
    op.create_index('ix_calendar_attendees_user', 'calendar_attendees', ['user_id', 'event_id'], unique=False)
    op.create_table('calendar_reminders',
    sa.Column('event_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['calendar_events.id']),
    sa.PrimaryKeyConstraint('event_id', 'user_id', 'minutes')
    )
    op.create_table('calendar_feeds',
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('token', sa.Text(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id']),
    sa.PrimaryKeyConstraint('user_id'),
    sa.UniqueConstraint('token_hash')
    )


def downgrade() -> None:
    op.drop_table('calendar_feeds')
    op.drop_table('calendar_reminders')
    op.drop_index('ix_calendar_attendees_user', table_name='calendar_attendees')
    op.drop_table('calendar_attendees')
    op.drop_index('ix_calendar_events_start', table_name='calendar_events')
    op.drop_table('calendar_events')
    with op.batch_alter_table('messages') as batch:
        batch.drop_column('card')
