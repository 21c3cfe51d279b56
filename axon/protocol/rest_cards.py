"""Cards: what a message shows below its text, one shape per ``type``.

A card is stored with its message and sent in ``message.new`` and ``message.card`` events. Clients
that do not know a ``type`` show the message's text, which is always a plain-text fallback.
``event`` is a calendar event's card (``docs/calendar.md``); ``assistant.results`` lists messages the
@axon assistant found or picked for a digest, ``assistant.proposal`` is a meeting it proposes to
schedule once the asker confirms, ``assistant.reminder`` is a reminder it set (``docs/ai/assistant.md``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from .shape import Shape


class CardResponses(Shape):
    accepted: int
    declined: int
    tentative: int
    needs_action: int


class EventCardEvent(Shape):
    """What an event card shows of a calendar event (the event itself: ``GET /calendar/events/{id}``)."""

    id: str
    title: str
    start: str
    end: str
    time_zone: str
    status: Literal["confirmed", "cancelled"]
    organizer_id: str
    responses: CardResponses


class EventCard(Shape, tag="event", tag_field="type"):
    event: EventCardEvent


class AssistantResultItem(Shape):
    """One message an assistant's answer points to."""

    conversation_id: str
    conversation_name: Annotated[str, msgspec.Meta(
        description="As the asker calls it: \"#name\" for a channel, a group's name, the other person for a DM.")]
    message_id: str
    seq: int
    thread_root_id: Annotated[str | None, msgspec.Meta(description="The thread's root for a reply, else null.")]
    sender_id: str
    sender_name: str
    snippet: Annotated[str, msgspec.Meta(description="Plain text (never HTML), at most a few lines.")]
    created_at: str
    why: Annotated[str | None, msgspec.Meta(
        description="A digest's reason to pick it: mention, question, decision, discussed or topic; else null.")] = None


class AssistantQuestion(Shape):
    """Where a question answered in the asker's DM was asked (a mention in another conversation)."""

    conversation_id: str
    message_id: str
    seq: int


class AssistantResultsCard(Shape, tag="assistant.results", tag_field="type"):
    kind: Annotated[Literal["search", "digest", "answer"], msgspec.Meta(
        description="What the asker asked for: a search, a digest, or a free-form answer (its cited messages).")]
    query: Annotated[str, msgspec.Meta(
        description="The words searched for, what the digest covers, or the question answered.")]
    items: list[AssistantResultItem]
    question: AssistantQuestion | None = None
    answer: Annotated[str | None, msgspec.Meta(
        description="kind \"answer\": the answer itself, its citations [n] numbering the items (the message's "
        "text adds the list of sources); otherwise null.")] = None


class AssistantProposalAttendee(Shape):
    user_id: str
    display_name: str


class AssistantProposalCard(Shape, tag="assistant.proposal", tag_field="type"):
    """A meeting the assistant proposes; the asker confirms (``POST /assistant/proposals/{id}/confirm``)
    or dismisses it."""

    state: Annotated[Literal["pending", "scheduled", "dismissed"], msgspec.Meta(
        description="pending until the asker confirms (scheduled) or dismisses it; never pending again.")]
    asker_id: Annotated[str, msgspec.Meta(description="Who asked: the only one who may confirm or dismiss it.")]
    title: str
    start: str
    end: str
    time_zone: Annotated[str, msgspec.Meta(description="The asker's zone, which the time was read in (IANA).")]
    attendees: Annotated[list[AssistantProposalAttendee], msgspec.Meta(description="The people to invite.")]
    conversation_id: Annotated[str | None, msgspec.Meta(
        description="Where the meeting was asked for (its event card is posted there), null when asked in the DM.")]
    event_id: Annotated[str | None, msgspec.Meta(description="The calendar event once scheduled, else null.")]
    question: AssistantQuestion | None = None


class ReminderAbout(Shape):
    """The message a reminder is about."""

    conversation_id: str
    message_id: str
    seq: int


class AssistantReminderCard(Shape, tag="assistant.reminder", tag_field="type"):
    """A reminder the @axon assistant set for the asker (``docs/ai/assistant.md``)."""

    state: Annotated[Literal["scheduled", "delivered", "cancelled"], msgspec.Meta(
        description="scheduled until it is delivered or cancelled (the answer's card follows).")]
    reminder_id: str
    text: Annotated[str, msgspec.Meta(description="What to be reminded of: plain text, never HTML.")]
    due_at: Annotated[str, msgspec.Meta(description="When it is due (UTC).")]
    about: ReminderAbout | None
    question: AssistantQuestion | None = None


Card = EventCard | AssistantResultsCard | AssistantProposalCard | AssistantReminderCard
CARD_SHAPES: tuple[Any, ...] = (CardResponses, EventCardEvent, EventCard, AssistantResultItem, AssistantQuestion,
                                AssistantResultsCard, AssistantProposalAttendee, AssistantProposalCard, ReminderAbout,
                                AssistantReminderCard)
