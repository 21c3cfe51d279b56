"""The event spine's dispatch rules, without a database: order, isolation and wake-ups."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from axon.domain.events import ConversationEvent
from axon.spine.spine import EventSpine
from axon.store.writer import Committed


def _committed(*seqs: int) -> Committed:
    return Committed([ConversationEvent("c_1", s, "message.new", "u_1", 1, "{}") for s in seqs])


async def test_after_commit_sinks_run_in_registration_order_plain_and_asynchronous() -> None:
    spine, seen = EventSpine(), []

    async def slow(committed: Committed) -> None:
        await asyncio.sleep(0)
        seen.append(("slow", [e.seq for e in committed.conversation_events]))

    spine.add_after_commit("first", lambda c: seen.append(("first", [e.seq for e in c.conversation_events])))
    spine.add_after_commit("slow", slow)
    spine.add_after_commit("last", lambda c: seen.append(("last", [e.seq for e in c.conversation_events])))
    await spine.after_commit(_committed(1, 2))
    assert seen == [("first", [1, 2]), ("slow", [1, 2]), ("last", [1, 2])]


async def test_a_failing_sink_is_logged_and_neither_stops_the_others_nor_the_wake_ups(
        caplog: pytest.LogCaptureFixture) -> None:
    spine, seen, woken = EventSpine(), [], []

    def broken(_: Committed) -> None:
        raise ConnectionError("bus down")

    async def broken_later(_: Committed) -> None:
        raise TimeoutError("slow peer")

    spine.add_after_commit("broken", broken)
    spine.add_after_commit("broken-later", broken_later)
    spine.add_after_commit("fine", lambda c: seen.append(len(c.conversation_events)))
    spine.add_durable_listener(lambda c: woken.append(True))
    with caplog.at_level(logging.ERROR, logger="axon.spine"):
        await spine.after_commit(_committed(1))
    assert seen == [1] and woken == [True]
    assert [r.getMessage() for r in caplog.records] == ["after-commit sink 'broken' failed",
                                                        "after-commit sink 'broken-later' failed"]


def test_in_commit_sinks_run_in_order_and_their_failure_is_the_batch_failure() -> None:
    spine, seen = EventSpine(), []
    spine.add_in_commit("a", lambda tx, c: seen.append("a"))
    spine.add_in_commit("b", lambda tx, c: seen.append("b"))
    tx: Any = object()
    spine.in_commit(tx, _committed(1))
    assert seen == ["a", "b"]

    def broken(tx: Any, committed: Committed) -> None:
        raise ValueError("constraint")

    spine.add_in_commit("broken", broken)
    with pytest.raises(ValueError):
        spine.in_commit(tx, _committed(2))


def test_the_outbox_is_written_only_once_a_durable_consumer_is_registered_and_after_other_sinks() -> None:
    spine = EventSpine()
    spine.add_in_commit("search-terms", lambda tx, c: None)
    assert spine.sink_names == ["search-terms"]
    spine.add_durable_listener(lambda c: None)
    spine.add_durable_listener(lambda c: None)
    assert spine.sink_names == ["search-terms", "event_log"]  # once, and last: its position lock is held shortest


def test_an_empty_batch_is_falsy_so_the_writer_skips_the_hooks() -> None:
    assert not Committed() and _committed(1)
