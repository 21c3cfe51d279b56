"""The @axon assistant's reminders: "remind me about this tomorrow 9am", "两小时后提醒我交周报".

Contract (the rules themselves are ``domain.reminders``):
- The time is the ``EventExtractor``'s (the meeting-time recognizer, in its child process; called in
  a worker thread) reading of the request against the question's send time in the asker's zone:
  absolute ("tomorrow 9am", "明天早上9点"). Relative times ("in 2 hours", "in half an hour", "两小时后",
  "半小时后", "十分钟后", "in 3 days") are added to the send time (``domain.reminders.relative_minutes``):
  the recognizer misses some ("in half an hour", "十分钟后") and reads "半小时后" as now.
  None found: the answer asks when; a time named but none to come, or not after the question: the
  answer says it has passed. Nothing is stored then.
- The reminder is about the message the question replies to, else — for a mention outside the DM
  with @axon — the question's own message; else nothing. Its text is the request's subject, else
  that message's text, else the request itself.
- The reminder row is written with the answer (``Answer.write``): one per question (the answer is
  posted once; the row is unique per user and question). The answer carries an
  ``assistant.reminder`` card in state ``scheduled`` (``services/reminders.py`` changes it later).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from ..domain.assistant_replies import say
from ..domain.event_hints import ms, zone_named
from ..domain.ids import new_id
from ..domain.reminders import (
    ASK_WHEN,
    PAST,
    SET,
    About,
    State,
    card,
    due_instant,
    names_past,
    passed,
    relative_minutes,
    shortened,
    subject,
    when_text,
)
from ..store import reminders as stored
from ..store.tx import Tx
from .assistant import Answer, Asking
from .messages import Messages
from .ports import EventExtractor


class RemindHandler:
    """``IntentKind.REMIND``: sets a reminder for the asker (see the module's docstring)."""

    def __init__(self, messages: Messages, extractor: EventExtractor) -> None:
        self.messages = messages
        self.extractor = extractor

    async def __call__(self, asking: Asking) -> Answer:
        zone = zone_named(asking.time_zone)
        asked_at = datetime.fromtimestamp(asking.question.sent_at_ms / 1000, tz=UTC).astimezone(zone)
        due = await self._due(asking.request, asked_at)
        if due is None:  # no time to come: none named, or one gone ("today at 9am" said at 10)
            named = asking.intent.time_text or names_past(asking.request)
            return Answer(say(PAST if named else ASK_WHEN, asking.lang))
        if passed(due, asked_at):
            return Answer(say(PAST, asking.lang))
        about, about_text = await self._about(asking)
        text = shortened(subject(asking.intent.what) or about_text or asking.request)
        row = _row(asking, text, ms(due), zone.key, about)
        when = when_text(row["due_at"], zone, asking.lang, ms(asked_at))

        def write(tx: Tx, answer_message_id: str) -> None:
            stored.insert_reminder(tx.conn, {**row, "answer_message_id": answer_message_id})

        return Answer(say(SET, asking.lang, when=when, text=text), card(row, State.SCHEDULED), write)

    async def _due(self, request: str, asked_at: datetime) -> datetime | None:
        """A relative time by arithmetic (the recognizer misreads some), else the extractor's reading."""
        minutes = relative_minutes(request)
        if minutes is not None:
            return asked_at + timedelta(minutes=minutes)
        found = await asyncio.to_thread(self.extractor.extract, request, asked_at, None)
        return due_instant(found.start, found.all_day) if found is not None else None

    async def _about(self, asking: Asking) -> tuple[About | None, str]:
        """The message the reminder is about and its text: the one replied to, else (a mention outside
        the DM) the question itself."""
        q = asking.question
        if q.reply_to is not None:
            message: Any = await self.messages.get(asking.actor, q.conversation_id, q.reply_to)  # as the asker
            return About(q.conversation_id, message.id, int(message.seq)), str(message.text or "")
        if not asking.in_dm:
            return About(q.conversation_id, q.message_id, q.seq), asking.request
        return None, ""


def _row(asking: Asking, text: str, due_at: int, zone: str, about: About | None) -> dict[str, Any]:
    sent = asking.question.sent_at_ms
    return {"id": new_id("reminder", sent), "org_id": asking.actor.org_id, "user_id": asking.actor.user_id,
            "text": text, "due_at": due_at, "time_zone": zone,
            "conversation_id": about.conversation_id if about else None,
            "message_id": about.message_id if about else None, "seq": about.seq if about else None,
            "source_message_id": asking.question.message_id, "created_at": sent, "delivered_at": None,
            "cancelled_at": None}
