"""The delivery checker: what every fault test asserts at the end.

Given what the server acked and what each device applied, it checks that every
acked message reached every member device exactly once, in seq order, with no
gap in any conversation's seq stream, and that no unacked message appears twice.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from axon.client import AxonClient


@dataclass
class DeviceLog:
    """Everything one device applied, per conversation, in the order it applied it."""

    name: str
    events: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    def drain(self, client: AxonClient) -> None:
        while not client._events.empty():  # noqa: SLF001 - the test reads the SDK's own queue
            event = client._events.get_nowait()
            if event.kind == "event" and event.conv:
                self.events[event.conv].append(event.frame)

    def messages(self, conv: str) -> list[dict[str, Any]]:
        return [e["data"]["message"] for e in self.events[conv] if e["type"] == "message.new"]


def check_delivery(acked: dict[str, set[str]], logs: list[DeviceLog], first_seq: dict[str, int]) -> None:
    """``acked``: conversation → message ids the server acked; ``first_seq``: the seq each device started after."""
    for log in logs:
        for conv, message_ids in acked.items():
            events = log.events[conv]
            seqs = [e["seq"] for e in events]
            start = first_seq[conv]
            assert seqs == list(range(start + 1, start + 1 + len(seqs))), (
                f"{log.name}: {conv} seqs not contiguous/in order: {_summary(seqs)}")
            ids = Counter(m["id"] for m in log.messages(conv))
            duplicates = [m for m, n in ids.items() if n > 1]
            assert not duplicates, f"{log.name}: duplicated messages {duplicates[:5]}"
            missing = message_ids - set(ids)
            assert not missing, f"{log.name}: {len(missing)} acked messages missing in {conv}"
            client_ids = Counter(m["client_msg_id"] for m in log.messages(conv))
            twice = [c for c, n in client_ids.items() if n > 1]
            assert not twice, f"{log.name}: a client_msg_id stored twice: {twice[:5]}"


def _summary(seqs: list[int]) -> str:
    if len(seqs) < 12:
        return str(seqs)
    breaks = [(a, b) for a, b in zip(seqs, seqs[1:], strict=False) if b != a + 1]
    return f"{len(seqs)} seqs from {seqs[0]} to {seqs[-1]}, breaks {breaks[:5]}"
