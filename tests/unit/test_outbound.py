"""The outbound queue's rules: direct writes only when nothing could be overtaken, per-conversation
order with duplicate drop and gap repair, the bound, and user-stream membership without decoding frames."""

from __future__ import annotations

import asyncio

from axon.bus.base import Envelope, Topic
from axon.bus.envelopes import envelopes_for
from axon.domain.events import ConversationEvent, UserEvent
from axon.gateway.outbound import Outbound
from axon.gateway.state import SessionState, State
from axon.protocol.server import event_frame
from axon.testing.transport import MemoryTransport


class FakeReads:
    """The event log: conversation events and user events by seq; counts the reads."""

    def __init__(self) -> None:
        self.conversations: dict[str, list[ConversationEvent]] = {}
        self.user_events: list[UserEvent] = []
        self.reads: list[tuple[str, int, int]] = []

    def add(self, conversation_id: str, seq: int) -> bytes:
        event = ConversationEvent(conversation_id, seq, "message.new", "u_ann", 0, f'{{"n":{seq}}}')
        self.conversations.setdefault(conversation_id, []).append(event)
        return event_frame(event)

    async def missed_range(self, conversation_id: str, after: int, upto: int) -> list[ConversationEvent]:
        self.reads.append((conversation_id, after, upto))
        return [e for e in self.conversations.get(conversation_id, []) if after < e.seq <= upto]

    async def user_page(self, user_id: str, after: int) -> list[UserEvent]:
        return [e for e in self.user_events if e.seq > after]


class Setup:
    def __init__(self, limit: int = 100) -> None:
        self.state = SessionState()
        self.transport = MemoryTransport()
        self.reads = FakeReads()
        self.overflowed = 0
        self.out = Outbound(self.state, self.transport, self.reads, limit=limit, on_overflow=self._overflow)
        self.writer: asyncio.Task[None] | None = None

    def _overflow(self) -> None:
        self.overflowed += 1
        self.state.to(State.CLOSED)

    async def go_live(self) -> None:
        """What the session does after resume: LIVE, and the writer drains whatever waits."""
        self.state.to(State.SYNCING)
        self.state.to(State.LIVE)
        self.writer = asyncio.create_task(self.out.deliver_while_live())
        await self.idle()

    async def idle(self) -> None:
        # The writer marks itself idle when it parks on an empty queue; yielding lets it run (no time passes).
        while not self.out.direct:  # noqa: ASYNC110
            await asyncio.sleep(0)

    async def stop(self) -> None:
        assert self.writer is not None
        self.writer.cancel()
        await asyncio.gather(self.writer, return_exceptions=True)

    def seqs(self, conversation_id: str = "c") -> list[int]:
        return [f["seq"] for f in self.transport.frames if f.get("conv") == conversation_id and f["t"] == "event"]


async def test_a_live_idle_session_writes_the_next_event_directly_in_one_write() -> None:
    s = Setup()
    s.out.positions["c"] = 0
    await s.go_live()
    s.out.push_event("c", 1, s.reads.add("c", 1))
    assert s.out.queued == 0 and s.transport.writes == [[event_frame(s.reads.conversations["c"][0])]]
    assert s.out.positions["c"] == 1
    await s.stop()


async def test_before_live_everything_waits_in_the_queue_and_goes_out_in_order() -> None:
    s = Setup()
    s.out.positions["c"] = 0
    frames = [s.reads.add("c", seq) for seq in (1, 2, 3)]
    for seq, frame in zip((1, 2, 3), frames, strict=True):
        s.out.push_event("c", seq, frame)
    s.out.push_frame(b'{"t":"pong","ref":null}')
    assert s.transport.writes == [] and s.out.queued == 4
    await s.go_live()
    assert s.transport.writes == [[*frames, b'{"t":"pong","ref":null}']]  # coalesced into one write
    await s.stop()


async def test_duplicates_are_dropped_and_a_jump_reads_the_missing_events_first() -> None:
    s = Setup()
    s.out.positions["c"] = 2
    await s.go_live()
    frames = {seq: s.reads.add("c", seq) for seq in range(1, 7)}
    s.out.push_event("c", 2, frames[2])  # already sent
    s.out.push_event("c", 5, frames[5])  # 3 and 4 never arrived
    await s.transport.until_frames(3)
    s.out.push_event("c", 4, frames[4])  # late duplicate
    s.out.push_event("c", 6, frames[6])
    await s.idle()
    assert s.seqs() == [3, 4, 5, 6] and s.reads.reads == [("c", 2, 4)]
    await s.stop()


async def test_a_gap_that_holds_this_users_removal_ends_at_it_and_nothing_later_is_sent() -> None:
    # From several nodes, seq 5 can arrive before the removal at 4 and its conversation.left:
    # the stored member.left decides, so the removed member never sees 5 or anything after.
    s = Setup()
    s.out.user_id = "u_bob"
    s.out.positions["c"] = 2
    await s.go_live()
    frames = {seq: s.reads.add("c", seq) for seq in (3, 5, 6)}
    removal = ConversationEvent("c", 4, "member.left", "u_ann", 0, '{"user_id":"u_bob","removed_by":"u_ann"}')
    s.reads.conversations["c"].insert(1, removal)
    s.out.push_event("c", 5, frames[5])
    s.out.push_event("c", 6, frames[6])
    await s.transport.until_frames(2)
    await s.idle()
    assert s.seqs() == [3, 4] and "c" not in s.out.positions


async def test_someone_elses_removal_in_a_gap_changes_nothing() -> None:
    s = Setup()
    s.out.user_id = "u_bob"
    s.out.positions["c"] = 2
    await s.go_live()
    frames = {seq: s.reads.add("c", seq) for seq in (3, 5)}
    s.reads.conversations["c"].insert(1, ConversationEvent("c", 4, "member.left", "u_ann", 0, '{"user_id":"u_cid"}'))
    s.out.push_event("c", 5, frames[5])
    await s.transport.until_frames(3)
    assert s.seqs() == [3, 4, 5] and s.out.positions["c"] == 5
    await s.stop()


async def test_a_conversation_not_followed_gets_nothing() -> None:
    s = Setup()
    await s.go_live()
    s.out.push_event("elsewhere", 1, s.reads.add("elsewhere", 1))
    await s.idle()
    assert s.transport.writes == []
    await s.stop()


async def test_a_repair_marker_reads_up_to_its_seq_and_nothing_twice() -> None:
    s = Setup()
    s.out.positions["c"] = 1
    for seq in (1, 2, 3):
        s.reads.add("c", seq)
    s.out.repair("c", 3)
    s.out.repair("c", 1)  # not behind: nothing queued
    assert s.out.queued == 1
    await s.go_live()
    assert s.seqs() == [2, 3] and s.out.positions["c"] == 3
    s.out.push_event("c", 3, b"late duplicate")
    await s.idle()
    assert s.seqs() == [2, 3]
    await s.stop()


async def test_while_the_socket_is_full_frames_queue_behind_instead_of_overtaking() -> None:
    s = Setup()
    s.out.positions["c"] = 0
    await s.go_live()
    s.transport.set_room(False)
    s.out.push_event("c", 1, s.reads.add("c", 1))  # refused directly: queued, the writer waits for room
    await asyncio.sleep(0)
    s.out.push_frame(b'{"t":"pong","ref":"p"}')
    assert not s.out.direct
    s.transport.set_room(True)
    await s.transport.until_frames(2)
    assert [f["t"] for f in s.transport.frames] == ["event", "pong"]
    await s.stop()


async def test_the_queue_is_bounded_and_overflow_is_reported_once_then_nothing_queues() -> None:
    s = Setup(limit=3)
    s.out.positions["c"] = 0
    for seq in range(1, 6):
        s.out.push_event("c", seq, b"x")
    assert s.overflowed == 1 and s.out.queued == 3 and s.state.current is State.CLOSED


def _membership_envelope(user_seq: int, joined: bool) -> Envelope:
    data = ('{"conversation":{"id":"c_new","last_seq":7}}' if joined
            else '{"conversation_id":"c_new","removed_by":null}')
    event = UserEvent("u_bob", user_seq, "conversation.joined" if joined else "conversation.left", 0, data)
    (envelope,) = envelopes_for(_Committed([], [event]))
    return envelope


class _Committed:
    def __init__(self, conversation_events: list[ConversationEvent], user_events: list[UserEvent]) -> None:
        self.conversation_events, self.user_events = conversation_events, user_events
        self.user_event_after: list[int] = []


async def test_membership_user_events_move_positions_when_delivered_without_decoding_the_frame() -> None:
    s = Setup()
    await s.go_live()
    joined = _membership_envelope(1, joined=True)
    assert (joined.topic, joined.conversation_id, joined.conversation_seq) == (Topic.USER, "c_new", 7)
    s.out.push_user_event(Envelope(joined.topic, joined.key, 1, b'{"t":"user_event","not":"the routing source"}',
                                   joined.kind, None, joined.conversation_id, joined.conversation_seq))
    await s.transport.until_frames(1)
    assert s.out.user_seq == 1 and s.out.positions == {"c_new": 7}
    s.out.push_user_event(_membership_envelope(2, joined=False))
    await s.transport.until_frames(2)
    assert s.out.user_seq == 2 and s.out.positions == {}
    await s.stop()


async def test_a_user_stream_jump_reads_the_missing_user_events_first() -> None:
    s = Setup()
    s.out.user_id = "u_bob"
    s.reads.user_events = [UserEvent("u_bob", 1, "conversation.joined", 0,
                                     '{"conversation":{"id":"c_gap","last_seq":3}}'),
                           UserEvent("u_bob", 2, "read_marker", 0, '{"conversation_id":"c_gap","seq":3}')]
    await s.go_live()
    s.out.push_user_event(Envelope(Topic.USER, "u_bob", 3, b'{"t":"user_event","seq":3}', "read_marker"))
    s.out.push_user_event(Envelope(Topic.USER, "u_bob", 3, b'{"t":"user_event","seq":3}', "read_marker"))
    await s.transport.until_frames(3)
    await s.idle()
    assert [f["seq"] for f in s.transport.frames] == [1, 2, 3]
    assert s.out.positions == {"c_gap": 3}  # the stored join moved positions too
    await s.stop()


async def test_several_replies_go_out_in_one_write_when_idle() -> None:
    frame = b'{"t":"ok","ref":null}'
    s = Setup()
    await s.go_live()
    s.out.push_frames([frame, frame])
    assert s.transport.writes == [[frame, frame]]
    await s.stop()
