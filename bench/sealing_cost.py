"""``python -m bench.sealing_cost``: what encryption at rest costs per message, in µs.

A send seals two values (the message text and its ``message.new`` event's JSON); a replay or
history page opens one per row. Measured on the node's own code (``store/sealing.py``) with a
typical event, a short and a long text, on one core, keys in memory (the steady state).
"""

from __future__ import annotations

import os
import time

from sqlalchemy import create_engine, insert

from axon.domain.sealing import row_binding
from axon.keys.master import LocalMasterKey
from axon.protocol.codec import encode_str
from axon.store.schema import metadata, orgs
from axon.store.sealing import Keyring

ROUNDS = 20_000


def _event(text: str) -> str:
    return encode_str({"message": {"id": "m_00t4kz8qtn6js29bqtc1jc2", "conversation_id": "c_00t4kz8qtn6js29bqtc1jc2",
                                   "seq": 12345, "sender_id": "u_00t4kz8qqka8mm5kez0kzj9", "text": text,
                                   "reply_to": None, "reply_count": 0, "mentions": [], "mentions_all": False,
                                   "reactions": [], "pinned": False, "edited_at": None, "deleted": False,
                                   "created_at": "2026-12-07T10:00:00.000Z", "forwarded": None}})


def _per_call_us(fn: object, rounds: int = ROUNDS) -> float:
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(rounds):
            fn()  # type: ignore[operator]
        best = min(best, (time.perf_counter() - start) / rounds * 1e6)
    return best


def main() -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(orgs).values(id="o", name="o", slug="o", signup_domains="", created_at=0))
        keyring = Keyring(LocalMasterKey(os.urandom(32), "bench"))
        keyring.create_key(conn, "o", 0, all_sealed=True)
        binding = row_binding("events.data", "o", "c_00t4kz8qtn6js29bqtc1jc2", 12345)
        print(f"{'value':<34}{'bytes':>7}{'seal µs':>10}{'open µs':>10}")
        for name, value in (("text, 60 B", "x" * 60), ("text, 2 KiB", "字" * 700),
                            ("message.new event, 60 B text", _event("x" * 60)),
                            ("message.new event, 2 KiB text", _event("字" * 700))):
            stored = keyring.seal(conn, "o", binding, value)
            seal = _per_call_us(lambda v=value: keyring.seal(conn, "o", binding, v))
            opened = _per_call_us(lambda s=stored: keyring.open(conn, "o", binding, s))
            print(f"{name:<34}{len(value.encode()):>7}{seal:>10.2f}{opened:>10.2f}")


if __name__ == "__main__":
    main()
