"""The indexer's embedder runs in a low-priority child process (axon/embeddings/process.py): it must
answer what the embedder in it answers, out of the node's process, give way to the node, and come back
after its child dies."""

from __future__ import annotations

import os
import signal
import struct

import pytest
from concurrent.futures.process import BrokenProcessPool

from axon.embeddings.process import NICENESS, ProcessEmbedder


class WhereEmbedder:
    """Says where it ran: each 'vector' packs the child's pid, its niceness and the text's length."""

    dimensions = 3

    def embed(self, texts: list[str]) -> list[bytes]:
        return [struct.pack("<iii", os.getpid(), os.nice(0), len(t)) for t in texts]


def _where(vector: bytes) -> tuple[int, int, int]:
    return struct.unpack("<iii", vector)


@pytest.fixture
def embedder():
    e = ProcessEmbedder(WhereEmbedder, WhereEmbedder.dimensions)
    yield e
    e.close()


def test_texts_are_embedded_in_a_child_process_at_the_lowest_priority(embedder):
    first = [_where(v) for v in embedder.embed(["a", "bb", "ccc"])]
    assert [length for _, _, length in first] == [1, 2, 3]
    pids = {pid for pid, _, _ in first}
    assert len(pids) == 1 and os.getpid() not in pids
    assert {nice for _, nice, _ in first} == {NICENESS}
    again = _where(embedder.embed(["dddd"])[0])
    assert again[0] in pids, "the child stays for the next batch (the model loads once)"
    assert embedder.embed([]) == []


def test_a_dead_child_fails_one_call_and_the_next_call_starts_another(embedder):
    pid = _where(embedder.embed(["x"])[0])[0]
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(BrokenProcessPool):
        embedder.embed(["y"])
    after = _where(embedder.embed(["z"])[0])
    assert after[0] != pid and after[2] == 1


def test_close_stops_the_child(embedder):
    pid = _where(embedder.embed(["x"])[0])[0]
    embedder.close()
    with pytest.raises(ProcessLookupError):  # shutdown(wait=True) joined (and reaped) it
        os.kill(pid, 0)
    assert _where(embedder.embed(["y"])[0])[0] != pid, "an embed after close starts a new child"
