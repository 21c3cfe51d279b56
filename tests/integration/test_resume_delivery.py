"""Resume edge cases over raw WebSockets: commits racing a resume, the user-stream positions of
``hello``, a device's own read marker, and live events for conversations a hello did not list."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Iterator

import pytest

from tests.integration.test_realtime import Raw
from tests.support.people import Person, admin_rest, new_device, new_person, without_default_channels
from tests.support.server import ServerProcess

CONVERSATIONS = 150
ROUNDS = 50
SENDERS = 4  # concurrent senders: commits land all through each resume
AFTER_SYNCED = 3.0  # seconds a racing commit may take to arrive after synced (repairs go out at once)


@pytest.fixture
def no_reconciliation_server(tmp_path):
    """Periodic reconciliation effectively off: a lost event would stay lost for the whole test."""
    proc = ServerProcess(tmp_path / "race", env={"AXON_RECONCILE_INTERVAL": "3600"}).start()
    yield proc
    proc.stop()


async def _commit_until_done(sender: Person, resume: asyncio.Task, targets: list[str],
                             ids: Iterator[int], sent: list[dict]) -> None:
    """Send one message to each next conversation of ``targets`` until ``resume`` is done."""
    while not resume.done() and targets:
        sent.append((await sender.rest.send(targets.pop(), f"r{next(ids)}", "racing"))["message"])


async def _receive_until(raw: Raw, wanted: set[tuple[str, int]], got: set[tuple[str, int]], timeout: float) -> None:
    async def read() -> None:
        while not wanted <= got:
            frame = await raw.recv(timeout)
            if frame["t"] == "event":
                got.add((frame["conv"], frame["seq"]))

    try:
        await asyncio.wait_for(read(), timeout)
    except TimeoutError:
        pass


async def test_messages_committed_while_a_device_resumes_arrive_right_after_synced(
        no_reconciliation_server: ServerProcess) -> None:
    """The resume reads its snapshot before it subscribes; an event routed in between used to reach
    nobody until reconciliation (60 s by default). Fails on 512f503; passes since the re-read."""
    server = no_reconciliation_server
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    conversations = [(await ann.rest.create_conversation("group", f"Race {i}", [bob.id]))["id"]
                     for i in range(CONVERSATIONS)]
    ids = itertools.count()
    rng = random.Random(8)
    for _ in range(ROUNDS):
        targets = rng.sample(conversations, len(conversations))  # one message per conversation per round:
        sent: list[dict] = []  # a lost one is not repaired by a later event of the same conversation
        resume = asyncio.create_task(Raw.open(server, bob.token))
        await asyncio.gather(*[_commit_until_done(ann, resume, targets, ids, sent) for _ in range(SENDERS)])
        raw, frames = await resume
        at_snapshot = {c["id"]: c["last_seq"] for c in frames[0]["conversations"]}
        committed_during = {(m["conversation_id"], m["seq"]) for m in sent
                            if m["seq"] > at_snapshot[m["conversation_id"]]}
        got = {(f["conv"], f["seq"]) for f in frames if f["t"] == "event"}
        await _receive_until(raw, committed_during, got, AFTER_SYNCED)
        await raw.close()
        assert committed_during <= got, f"never delivered: {sorted(committed_during - got)}"


async def test_user_seq_zero_replays_every_user_event_and_no_user_seq_replays_none(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    await without_default_channels(admin)  # a brand-new user's stream starts empty
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    raw, frames = await Raw.open(server, bob.token)  # a new device: no state yet
    welcome = frames[0]
    assert welcome["user_seq"] == 0 and frames[-1] == {"t": "synced", "user_seq": 0, "convs": {}}
    await raw.close()
    conv = await ann.rest.create_conversation("group", "While offline", [bob.id])

    raw, frames = await Raw.open(server, bob.token, user_seq=0, epoch=welcome["epoch"])
    batches = [f for f in frames if f["t"] == "batch"]
    assert [[(e["seq"], e["type"]) for e in b["user_events"]] for b in batches] == [[(1, "conversation.joined")]]
    assert batches[0]["user_events"][0]["data"]["conversation"]["id"] == conv["id"]
    assert frames[-1]["user_seq"] == 1
    await raw.close()

    raw, frames = await Raw.open(server, bob.token, epoch=welcome["epoch"])  # no user_seq: no replay
    assert [f["t"] for f in frames] == ["welcome", "synced"] and frames[-1]["user_seq"] == 1
    await raw.close()


async def test_the_device_that_reads_gets_its_own_read_marker_like_the_users_other_devices(
        server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("group", "Markers", [bob.id])
    sent = (await ann.rest.send(conv["id"], "m1", "read me"))["message"]
    phone, _ = await Raw.open(server, bob.token)
    laptop, _ = await Raw.open(server, await new_device(server.url, bob))
    await phone.send({"t": "read", "conv": conv["id"], "seq": sent["seq"], "ref": "r1"})
    seen_by_phone = {}
    while len(seen_by_phone) < 2:  # its ok and its marker, in either order
        frame = await phone.recv()
        if frame["t"] in ("ok", "user_event"):
            seen_by_phone[frame["t"]] = frame
    assert seen_by_phone["ok"]["ref"] == "r1"
    for marker in (seen_by_phone["user_event"], await laptop.until("user_event")):
        assert marker["type"] == "read_marker"
        assert marker["data"] == {"conversation_id": conv["id"], "seq": sent["seq"]}
    await phone.close()
    await laptop.close()


async def test_a_conversation_the_hello_does_not_list_gets_no_replay_but_its_live_events(
        server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    listed = await ann.rest.create_conversation("group", "Listed", [bob.id])
    unlisted = await ann.rest.create_conversation("group", "Unlisted", [bob.id])
    for conv in (listed, unlisted):
        await ann.rest.send(conv["id"], f"old-{conv['id']}", "before the resume")
    raw, frames = await Raw.open(server, bob.token, convs={listed["id"]: listed["last_seq"]})
    assert {f["conv"] for f in frames if f["t"] == "batch"} == {listed["id"]}  # replay: the listed one only
    sent = (await ann.rest.send(unlisted["id"], "live", "after synced"))["message"]
    live = await raw.until("event")
    assert (live["conv"], live["seq"]) == (unlisted["id"], sent["seq"])
    await raw.close()
