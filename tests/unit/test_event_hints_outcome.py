"""The ``event_hints`` consumer's decisions without a store (``services/event_hints.py``): which state
of each message a page leaves, and which rows and ``ai.event_hint`` events follow from the extractor's
answers and the hints stored before (people dropping out get ``hint: null``; a removed time or a
deleted message erases)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from axon.domain.event_times import ExtractedEvent
from axon.domain.events import ConversationEvent
from axon.services.event_hints import _changes, _Context, _Message, _outcome
from axon.store.event_hints import Place
from axon.store.event_log import CommittedPage

SH = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 12, 8, 15, 0, tzinfo=SH)


def event(type_: str, data: dict[str, object], seq: int) -> ConversationEvent:
    return ConversationEvent("c1", seq, type_, "ann", 1_000 * seq, json.dumps(data))


def new(message_id: str, seq: int, text: str) -> ConversationEvent:
    return event("message.new", {"message": {"id": message_id, "conversation_id": "c1", "seq": seq,
                                             "sender_id": "ann", "text": text, "mentions": ["bob"]}}, seq)


def test_a_page_leaves_each_message_in_its_last_state() -> None:
    page = CommittedPage(1, 1, [new("m1", 1, "明天下午三点开会"), new("m2", 2, "x"),
                                event("message.edited", {"message_id": "m2", "text": "y"}, 3),
                                new("m3", 4, "z"), event("message.deleted", {"message_id": "m3"}, 5)], [])
    changed, edited, deleted = _changes(page)
    assert list(changed) == ["m1"] and changed["m1"].mentions == ("bob",) and changed["m1"].written_at == 1000
    assert edited == {"m2": 3000} and deleted == ["m3"]


def context(before: dict[str, dict[str, object]]) -> _Context:
    return _Context(places={"c1": Place("o1", "channel", 500)}, settings={}, zones={"ann": "Asia/Shanghai"},
                    before=before, members={}, mentionable={"c1": {"bob"}})


def message(mentions: tuple[str, ...]) -> _Message:
    return _Message("m1", "c1", 7, "ann", "明天下午三点开会", mentions, None, 0)


def test_a_new_hint_is_stored_and_sent_to_its_people_and_those_dropped_get_null() -> None:
    found = ExtractedEvent("开会", START, START + timedelta(minutes=30), False, (0, 6))
    before = {"m1": {"participants": ["ann", "cy"], "conversation_id": "c1"}}
    out = _outcome(context(before), {"m1": (found, "Asia/Shanghai")}, {"m1": message(("bob",))}, [])
    assert [r["participants"] for r in out.put] == [["ann", "bob"]] and out.remove == []
    hints = {user: data["hint"] for user, data in out.events}
    assert hints["cy"] is None and hints["ann"] == hints["bob"]
    assert hints["ann"]["start"] == "2026-12-08T07:00:00.000Z" and hints["ann"]["time_zone"] == "Asia/Shanghai"


def test_a_time_removed_or_a_message_deleted_erases_and_says_null_nothing_before_says_nothing() -> None:
    before = {"m1": {"participants": ["ann", "bob"], "conversation_id": "c1"}}
    out = _outcome(context(before), {"m1": None}, {"m1": message(("bob",))}, [])
    assert out.remove == ["m1"] and [(u, d["hint"]) for u, d in out.events] == [("ann", None), ("bob", None)]
    out = _outcome(context(before), {}, {}, ["m1"])
    assert out.remove == ["m1"] and len(out.events) == 2
    out = _outcome(context({}), {"m1": None}, {"m1": message(())}, ["m9"])
    assert (out.put, out.remove, out.events) == ([], [], [])
