"""The audit chain's rules: a sealed chain verifies; any change, gap, reorder, cut or foreign seal is named."""

from __future__ import annotations

from dataclasses import replace

from axon.domain.audit import (
    GENESIS,
    AuditActor,
    AuditEvent,
    ChainCheck,
    SealedEntry,
    canonical_details,
    key_id,
    new_entry,
)

KEY = b"k" * 32


def _chain(n: int, key: bytes = KEY) -> list[SealedEntry]:
    entries: list[SealedEntry] = []
    prev = GENESIS
    for position in range(1, n + 1):
        event = AuditEvent("o_1", "user.disabled", AuditActor("u_admin", "d_1", "10.0.0.1"), "user", f"u_{position}",
                           {"devices_revoked": position, "名字": "张三"})
        entries.append(new_entry(event, position, 1_780_000_000_000 + position, prev, key))
        prev = entries[-1].hash
    return entries


def _problem(entries: list[SealedEntry], head: int | None = None, anchors: dict[int, str] | None = None) -> str | None:
    check = ChainCheck("o_1", {key_id(KEY): KEY}, anchors or {})
    check.feed(entries)
    return check.finish(head if head is not None else (entries[-1].position if entries else 0))


def test_an_untouched_chain_verifies() -> None:
    entries = _chain(5)
    assert _problem(entries) is None
    assert _problem(entries, anchors={3: entries[2].hash, 5: entries[4].hash}) is None


def test_details_have_one_spelling() -> None:
    assert canonical_details({"b": 1, "a": "张"}) == '{"a":"\\u5f20","b":1}'


def test_each_kind_of_tampering_names_its_first_bad_position() -> None:
    entries = _chain(6)
    altered = [*entries[:2], replace(entries[2], details='{"devices_revoked":0}'), *entries[3:]]
    assert _problem(altered) is not None and _problem(altered).startswith("position 3: the entry's content was altered")
    assert _problem([*entries[:3], *entries[4:]]).startswith("position 4: entry missing")
    swapped = [entries[0], replace(entries[3], position=2), replace(entries[1], position=4), *entries[4:]]
    assert _problem(swapped, head=6).startswith("position 2: does not follow position 1")
    assert _problem(entries[:4], head=6).startswith("position 5: entries up to position 6 were written")
    assert _problem(entries[:4], head=4, anchors={6: entries[5].hash}).startswith("position 5:")
    foreign = _chain(6, key=b"x" * 32)
    assert "unknown key" in _problem(foreign)
    forged = [replace(e, key_id=key_id(KEY)) for e in foreign]
    assert _problem(forged).startswith("position 1: the seal does not match")
    rewritten = _chain(6)
    assert _problem(rewritten, anchors={4: "f" * 64}).startswith("position 4: does not match its anchor")


def test_an_entry_of_another_chain_is_refused() -> None:
    entries = _chain(2)
    assert _problem([entries[0], replace(entries[1], chain="o_2")]).startswith("position 2: the entry belongs")
