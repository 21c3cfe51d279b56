"""The frame registry: a family of client frames plugs in with ``register``, and handlers see only a
narrow context whose ``run`` answers ``ok`` or the ``error`` the work raised."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from axon.domain.errors import NotFound
from axon.domain.model import Actor, OrgRole
from axon.gateway.handlers import build_registry
from axon.gateway.hub import Hub
from axon.gateway.presence import PresenceTracker
from axon.gateway.registry import FrameContext, FrameRegistry
from axon.protocol import client as f
from axon.protocol.server import Ok, Pong, ServerFrame
from axon.testing.clock import FakeClock

ACTOR = Actor(user_id="u_ann", org_id="o_1", device_id="d_1", org_role=OrgRole.MEMBER)


class Context:
    def __init__(self) -> None:
        self.replies: list[ServerFrame] = []
        self.tasks: list[asyncio.Task[Any]] = []
        self.ctx = FrameContext(ACTOR, None, reply=self.replies.append, reply_soon=lambda b: None,  # type: ignore[arg-type]
                                follows=lambda c: c == "c_mine", spawn=self._spawn)

    def _spawn(self, coro: Any) -> None:
        self.tasks.append(asyncio.ensure_future(coro))

    async def settle(self) -> None:
        await asyncio.gather(*self.tasks)


def test_the_node_registers_every_client_frame_but_hello() -> None:
    registry = build_registry(clock=FakeClock(), messages=None, markers=None, signals=None,  # type: ignore[arg-type]
                              people=None, hub=Hub(), tracker=PresenceTracker(FakeClock(), lambda u, p: None))  # type: ignore[arg-type]
    assert set(registry.frame_types()) == set(f.CLIENT_FRAMES.values()) - {f.Hello}


def test_a_registered_handler_is_found_by_frame_type() -> None:
    registry = FrameRegistry()
    seen: list[f.Ping] = []
    registry.add(f.Ping, lambda ctx, frame: seen.append(frame))
    handler = registry.get(f.Ping)
    assert handler is not None and registry.get(f.Typing) is None
    handler(Context().ctx, f.Ping(ref="k"))
    assert seen == [f.Ping(ref="k")]


@pytest.mark.parametrize("frame_type", [f.Hello, f.Frame])
def test_hello_and_frames_the_protocol_does_not_decode_are_refused(frame_type: type[f.Frame]) -> None:
    with pytest.raises(ValueError):
        FrameRegistry().add(frame_type, lambda ctx, frame: None)


def test_a_frame_type_has_one_handler() -> None:
    registry = FrameRegistry()
    registry.add(f.Ping, lambda ctx, frame: None)
    with pytest.raises(ValueError, match="already"):
        registry.add(f.Ping, lambda ctx, frame: None)


def test_ping_answers_pong_through_the_context() -> None:
    registry = build_registry(clock=FakeClock(), messages=None, markers=None, signals=None,  # type: ignore[arg-type]
                              people=None, hub=Hub(), tracker=PresenceTracker(FakeClock(), lambda u, p: None))  # type: ignore[arg-type]
    context = Context()
    registry.get(f.Ping)(context.ctx, f.Ping(ref="k1"))  # type: ignore[misc]
    assert context.replies == [Pong("k1")]


async def test_run_answers_ok_after_the_work_or_the_error_it_raised() -> None:
    context = Context()

    async def fine() -> None:
        await asyncio.sleep(0)

    async def missing() -> None:
        raise NotFound("Conversation not found.")

    async def broken() -> None:
        raise RuntimeError("a bug")

    context.ctx.run(fine(), "r1")
    context.ctx.run(missing(), "r2")
    context.ctx.run(broken(), "r3")
    context.ctx.run(fine(), "r4", answer_ok=False)
    await context.settle()
    answers = {getattr(r, "ref", None): r for r in context.replies}
    assert answers["r1"] == Ok("r1") and "r4" not in answers
    assert answers["r2"].error.code == "not_found"  # type: ignore[union-attr]
    assert answers["r3"].error.code == "internal_error"  # type: ignore[union-attr]


class Typist:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def typing(self, conversation_id: str, user_id: str) -> None:
        self.sent.append((conversation_id, user_id))


def test_typing_is_forwarded_at_most_once_per_interval_and_only_for_followed_conversations() -> None:
    clock, signals = FakeClock(), Typist()
    registry = build_registry(clock=clock, messages=None, markers=None, signals=signals,  # type: ignore[arg-type]
                              people=None, hub=Hub(), tracker=PresenceTracker(clock, lambda u, p: None))  # type: ignore[arg-type]
    typing = registry.get(f.Typing)
    assert typing is not None
    context = Context()
    typing(context.ctx, f.Typing(conv="c_mine"))
    typing(context.ctx, f.Typing(conv="c_mine"))
    clock.advance(3.0)
    typing(context.ctx, f.Typing(conv="c_mine"))
    typing(context.ctx, f.Typing(conv="c_other"))
    assert signals.sent == [("c_mine", "u_ann"), ("c_mine", "u_ann")]
    assert [r.error.code for r in context.replies] == ["not_found"]  # type: ignore[attr-defined]


def test_a_user_typing_on_two_devices_is_forwarded_once_per_interval() -> None:
    clock, signals = FakeClock(), Typist()
    registry = build_registry(clock=clock, messages=None, markers=None, signals=signals,  # type: ignore[arg-type]
                              people=None, hub=Hub(), tracker=PresenceTracker(clock, lambda u, p: None))  # type: ignore[arg-type]
    typing = registry.get(f.Typing)
    assert typing is not None
    phone, laptop = Context(), Context()
    bob = Context()
    bob.ctx.actor = Actor(user_id="u_bob", org_id="o_1", device_id="d_9", org_role=OrgRole.MEMBER)
    typing(phone.ctx, f.Typing(conv="c_mine"))
    typing(laptop.ctx, f.Typing(conv="c_mine"))  # the same person, another device, same interval
    typing(bob.ctx, f.Typing(conv="c_mine"))  # someone else is not held back by ann
    clock.advance(2.9)
    typing(laptop.ctx, f.Typing(conv="c_mine"))
    clock.advance(0.1)
    typing(laptop.ctx, f.Typing(conv="c_mine"))
    assert signals.sent == [("c_mine", "u_ann"), ("c_mine", "u_bob"), ("c_mine", "u_ann")]
