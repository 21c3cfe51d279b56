"""Background work in a low-priority child process (axon/child.py, through the indexer's embedder): it must
answer what the embedder in it answers, out of the node's process, give way to the node, and come back
after its child dies."""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import time

import pytest

from axon.child import NICENESS
from axon.embeddings.process import ProcessEmbedder
from axon.services.ports import ChildLost


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


def test_the_operator_may_give_the_child_a_higher_priority():
    """``background_niceness``: on a machine that is never idle, nice 19 may wait minutes for a turn."""
    embedder = ProcessEmbedder(WhereEmbedder, WhereEmbedder.dimensions, niceness=os.nice(0) + 3)
    try:
        assert _where(embedder.embed(["a"])[0])[1] == os.nice(0) + 3
    finally:
        embedder.close()


def test_a_dead_child_fails_one_call_and_the_next_call_starts_another(embedder):
    pid = _where(embedder.embed(["x"])[0])[0]
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(ChildLost):
        embedder.embed(["y"])
    after = _where(embedder.embed(["z"])[0])
    assert after[0] != pid and after[2] == 1


def test_close_stops_the_child(embedder):
    pid = _where(embedder.embed(["x"])[0])[0]
    embedder.close()
    with pytest.raises(ProcessLookupError):  # shutdown(wait=True) joined (and reaped) it
        os.kill(pid, 0)
    assert _where(embedder.embed(["y"])[0])[0] != pid, "an embed after close starts a new child"


def test_the_child_exits_when_the_node_dies():
    # A stand-in node: a process that starts an embedding child, reports its pid, then is killed.
    script = (
        "import sys\n"
        "from axon.embeddings.process import ProcessEmbedder\n"
        "from tests.unit.test_child_process import WhereEmbedder, _where\n"
        "e = ProcessEmbedder(WhereEmbedder, 3)\n"
        "print(_where(e.embed(['x'])[0])[0], flush=True)\n"
        "sys.stdin.read()\n")
    node = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            cwd=os.getcwd(), text=True)
    try:
        child = int(node.stdout.readline())
        os.kill(child, 0)  # alive while the node is
        node.kill()
        node.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(child, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)  # polling a pid: there is no event to await for another process's exit
        pytest.fail("the embedding child outlived its node")
    finally:
        node.kill()
