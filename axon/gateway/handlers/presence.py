"""``presence`` (this device's state) and ``presence_sub`` (whose presence this connection follows)."""

from __future__ import annotations

from ...domain.errors import ValidationFailed
from ...domain.model import Actor
from ...protocol import client as f
from ...protocol.server import Ok
from ...services.people import People
from ..hub import Hub
from ..presence import DEVICE_STATES, PresenceTracker
from ..registry import Connection, FrameContext, FrameRegistry

MAX_PRESENCE_WATCH = 1000


def register(registry: FrameRegistry, *, hub: Hub, tracker: PresenceTracker, people: People) -> None:
    handlers = PresenceHandlers(hub, tracker, people)
    registry.add(f.Presence, handlers.set_state)
    registry.add(f.PresenceSub, handlers.subscribe)


class PresenceHandlers:
    def __init__(self, hub: Hub, tracker: PresenceTracker, people: People) -> None:
        self.hub = hub
        self.presence = tracker
        self.people = people

    def set_state(self, ctx: FrameContext, frame: f.Presence) -> None:
        if frame.state not in DEVICE_STATES:
            ctx.error("invalid_frame", "state must be 'online' or 'away'.", frame.ref)
            return
        self.presence.set(ctx.connection, frame.state)
        ctx.reply(Ok(frame.ref))

    def subscribe(self, ctx: FrameContext, frame: f.PresenceSub) -> None:
        ctx.run(self.watch_presence(ctx.connection, frame.users), frame.ref, answer_ok=False)

    async def watch_presence(self, session: Connection, user_ids: list[str]) -> None:
        if len(user_ids) > MAX_PRESENCE_WATCH:
            raise ValidationFailed(f"At most {MAX_PRESENCE_WATCH} users.", field="users")
        actor: Actor | None = session.actor
        assert actor is not None
        visible = await self.people.visible_user_ids(actor, user_ids)
        self.hub.watch_presence(session, visible)
        for user_id in visible:
            session.push(self.presence.state(user_id))
