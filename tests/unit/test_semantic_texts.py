"""What the semantic indexer embeds: words, not bare links, emoji or mentions; each message's last
text in a page (an edit after the send, a delete after both)."""

from __future__ import annotations

import json
import threading
import time

import numpy as np

from axon.domain.events import ConversationEvent
from axon.services.semantic import EMBED_BATCH, SemanticIndexer, latest_texts, meaningful
from axon.store.event_log import CommittedPage


def test_only_texts_with_words_are_worth_a_vector() -> None:
    for text in ("发布日期", "ok", "see https://example.com/x about the release", "@ann 明天见"):
        assert meaningful(text), text
    for text in ("", "   ", "https://example.com/a?b=c", "www.example.com", "👍🎉", "@ann @bob", "!!! 123 ???"):
        assert not meaningful(text), text


def event(seq: int, type_: str, data: dict[str, object]) -> ConversationEvent:
    return ConversationEvent("c1", seq, type_, "u1", 1000 + seq, json.dumps(data))


def test_each_message_keeps_its_last_text_of_the_page() -> None:
    page = CommittedPage(1, 4, [
        event(1, "message.new", {"message": {"id": "m1", "text": "first"}}),
        event(2, "message.new", {"message": {"id": "m2", "text": "second"}}),
        event(3, "message.edited", {"message_id": "m1", "text": "first, edited"}),
        event(4, "message.deleted", {"message_id": "m2"}),
        event(5, "reaction.added", {"message_id": "m1", "emoji": "👍"}),
    ], [])
    found = latest_texts(page)
    assert {m: c.text for m, c in found.items()} == {"m1": "first, edited", "m2": ""}
    assert found["m1"].created_at == 1003 and found["m1"].conversation_id == "c1"


async def test_a_backlog_page_is_embedded_in_batches_on_every_worker() -> None:
    """A page of many messages (a backlog) is embedded EMBED_BATCH texts per call, ``workers`` calls
    at once, and each vector lands on its own message."""
    class Recording:
        dimensions = 4

        def __init__(self) -> None:
            self.sizes: list[int] = []
            self.running = self.most = 0
            self.lock = threading.Lock()

        def embed(self, texts: list[str]) -> list[bytes]:
            with self.lock:
                self.sizes.append(len(texts))
                self.running += 1
                self.most = max(self.most, self.running)
            time.sleep(0.05)
            with self.lock:
                self.running -= 1
            return [np.array([float(t.split()[1]), 0, 0, 0], dtype="<f4").tobytes() for t in texts]

    count = 2 * EMBED_BATCH + 10
    page = CommittedPage(1, 1, [event(i, "message.new", {"message": {"id": f"m{i}", "text": f"message {i}"}})
                                for i in range(count)], [])
    embedder = Recording()
    prepared = await SemanticIndexer(embedder, workers=2).prepare(page)
    assert embedder.sizes == [EMBED_BATCH, EMBED_BATCH, 10] and embedder.most == 2
    assert all(np.frombuffer(v.vector, dtype="<f2")[0] == float(v.message_id[1:]) for v in prepared.put)
