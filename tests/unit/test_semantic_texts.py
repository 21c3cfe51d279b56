"""What the semantic indexer embeds: words, not bare links, emoji or mentions; each message's last
text in a page (an edit after the send, a delete after both)."""

from __future__ import annotations

import json
import time

from axon.domain.events import ConversationEvent
from axon.services.semantic import latest_texts, meaningful
from axon.store.event_log import CommittedPage


def test_only_texts_with_words_are_worth_a_vector() -> None:
    for text in ("发布日期", "ok", "see https://example.com/x about the release", "@ann 明天见"):
        assert meaningful(text), text
    for text in ("", "   ", "https://example.com/a?b=c", "www.example.com", "👍🎉", "@ann @bob", "!!! 123 ???"):
        assert not meaningful(text), text


def event(seq: int, type_: str, data: dict[str, object]) -> ConversationEvent:
    return ConversationEvent("c1", seq, type_, "u1", 1000 + seq, json.dumps(data))


def new_message(message_id: str, seq: int, text: str) -> dict[str, object]:
    """A message as ``message.new`` carries it (protocol.md), the fields consumers read."""
    return {"id": message_id, "conversation_id": "c1", "seq": seq, "sender_id": "u1", "text": text,
            "reply_to": None, "deleted": False, "attachments": []}


def test_each_message_keeps_its_last_text_of_the_page() -> None:
    page = CommittedPage(1, 4, [
        event(1, "message.new", {"message": new_message("m1", 1, "first")}),
        event(2, "message.new", {"message": new_message("m2", 2, "second")}),
        event(3, "message.edited", {"message_id": "m1", "text": "first, edited"}),
        event(4, "message.deleted", {"message_id": "m2"}),
        event(5, "reaction.added", {"message_id": "m1", "emoji": "👍"}),
    ], [])
    found = latest_texts(page)
    assert {m: c.text for m, c in found.items()} == {"m1": "first, edited", "m2": ""}
    assert found["m1"].created_at == 1003 and found["m1"].conversation_id == "c1"


async def test_background_embedding_rests_so_that_it_takes_at_most_its_share_of_a_core() -> None:
    from axon.services.semantic import CpuShare

    rests: list[float] = []

    async def rest(seconds: float) -> None:
        rests.append(seconds)

    def work() -> str:
        began = time.perf_counter()
        while time.perf_counter() - began < 0.02:
            pass
        return "vectors"

    assert await CpuShare(0.25, rest).run(work) == "vectors"
    [rested] = rests
    assert 3 * 0.02 <= rested < 3 * 0.2  # three times the work: the work is a quarter of the time
    assert await CpuShare(1.0, rest).run(work) == "vectors" and len(rests) == 1  # a whole core: no rest


async def test_background_embedding_waits_while_the_node_is_busy_writing() -> None:
    from axon.services.semantic import BUSY_PAUSE, CpuShare, WriteRate

    ops = [0]
    rate = WriteRate(lambda: ops[0], threshold=100)
    rests: list[float] = []

    async def rest(seconds: float) -> None:
        rests.append(seconds)
        if len(rests) == 2:
            return  # the burst has ended: no write since the last look
        ops[0] += 1_000_000  # meanwhile, a burst of sends

    ops[0] += 1_000_000
    assert await CpuShare(1.0, rest, busy=rate.busy).run(lambda: "vectors") == "vectors"
    assert rests == [BUSY_PAUSE, BUSY_PAUSE]  # waited while busy, ran once quiet


async def test_a_background_consumer_takes_no_page_while_the_node_is_busy_writing() -> None:
    # EventHints, ReplyLearner and SemanticIndexer call quiet() before reading or decoding a page.
    from axon.services.semantic import BUSY_PAUSE, CpuShare

    busy = iter([True, True, True, False])
    rests: list[float] = []

    async def rest(seconds: float) -> None:
        rests.append(seconds)

    await CpuShare(0.25, rest, busy=lambda: next(busy)).quiet()
    assert rests == [BUSY_PAUSE] * 3
