"""Administrators read the audit log: browse it newest first with filters, export it (JSON lines, CSV).

An export is itself audited (``audit.exported``, with the filters and format) before its first byte
is sent, and is streamed page by page: never the whole log in memory.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

from ..domain import audit as actions
from ..domain import policy
from ..domain.audit import SealedEntry
from ..domain.clock import iso
from ..domain.errors import ValidationFailed
from ..domain.model import Actor
from ..protocol.codec import encode
from ..protocol.rest_audit import AuditEntry, AuditPage
from ..store import accounts
from ..store import audit as rows
from ..store.audit import AuditFilter
from ..store.database import Conn
from .core import Core

ExportFormat = Literal["jsonl", "csv"]
EXPORT_PAGE = 500
_ACTION = re.compile(r"[a-z][a-z0-9_.]{0,63}")
CSV_COLUMNS = ("position", "created_at", "action", "actor_user_id", "actor_name", "actor_device_id",
               "actor_address", "target_type", "target_id", "target_name", "details", "prev_hash", "hash")


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """What an administrator narrows the log to (all optional). ``action`` ending in "." is a prefix."""

    action: str | None = None
    actor_user_id: str | None = None
    target_id: str | None = None
    since_ms: int | None = None
    until_ms: int | None = None

    def where(self, chain: str) -> AuditFilter:
        if self.action and not _ACTION.fullmatch(self.action):
            raise ValidationFailed("action is an action name such as auth.login, or a prefix such as auth.",
                                   field="action")
        return AuditFilter(chain, self.action or None, self.actor_user_id or None, self.target_id or None,
                           self.since_ms, self.until_ms)

    def described(self) -> dict[str, Any]:
        return {k: v for k, v in (("action", self.action), ("actor_user_id", self.actor_user_id),
                                  ("target_id", self.target_id), ("since", self.since_ms and iso(self.since_ms)),
                                  ("until", self.until_ms and iso(self.until_ms))) if v}


class AuditLog:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def page(self, actor: Actor, query: AuditQuery, before: int | None, limit: int) -> AuditPage:
        """Entries of the actor's organisation matching ``query``, newest first, older than ``before``."""
        policy.check_can_read_audit_log(actor)
        where = query.where(actor.org_id)
        found = await self.core.read(lambda c: _named(c, rows.browse(c, where, before, limit + 1)))
        more = len(found) > limit
        items = [entry for entry, _ in found[:limit]]
        return AuditPage(items, items[-1].position if more and items else None)

    async def export(self, actor: Actor, query: AuditQuery, fmt: ExportFormat) -> AsyncIterator[bytes]:
        """Check, record the export, and return the stream of its bytes (newest first)."""
        policy.check_can_read_audit_log(actor)
        where = query.where(actor.org_id)
        await self.core.record_audit(self.core.audit.event(actor, actions.AUDIT_EXPORTED, "org", actor.org_id,
                                                           format=fmt, filters=query.described()))
        return self._stream(where, fmt)

    async def _stream(self, where: AuditFilter, fmt: ExportFormat) -> AsyncIterator[bytes]:
        if fmt == "csv":
            yield "\ufeff".encode() + _csv_lines([CSV_COLUMNS])  # the BOM: spreadsheets then read UTF-8 (Chinese)
        before: int | None = None
        while True:
            found = await self.core.read(lambda c, b=before: _named(c, rows.browse(c, where, b, EXPORT_PAGE)))
            if not found:
                return
            if fmt == "csv":
                yield _csv_lines(_csv_row(entry, prev) for entry, prev in found)
            else:
                yield b"".join(encode(_with_prev(entry, prev)) + b"\n" for entry, prev in found)
            before = found[-1][0].position


def _named(conn: Conn, entries: list[SealedEntry]) -> list[tuple[AuditEntry, str]]:
    """The entries as shown to admins (users' display names looked up), each with its previous hash."""
    ids = {e.actor_user_id for e in entries if e.actor_user_id}
    ids |= {e.target_id for e in entries if e.target_type == "user"}
    names = {u["id"]: u["display_name"] for u in accounts.get_users(conn, sorted(ids))}
    return [(AuditEntry(e.position, iso(e.created_at), e.action, e.actor_user_id, names.get(e.actor_user_id or ""),
                        e.actor_device_id, e.actor_address, e.target_type, e.target_id,
                        names.get(e.target_id) if e.target_type == "user" else None, json.loads(e.details), e.hash),
             e.prev_hash) for e in entries]


def _with_prev(entry: AuditEntry, prev_hash: str) -> dict[str, Any]:
    return {**{name: getattr(entry, name) for name in entry.__struct_fields__}, "prev_hash": prev_hash}


def _csv_row(entry: AuditEntry, prev_hash: str) -> list[Any]:
    values = _with_prev(entry, prev_hash)
    values["details"] = json.dumps(entry.details, ensure_ascii=False, sort_keys=True)
    return [_cell(values[name]) for name in CSV_COLUMNS]


def _cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (=, +, -, @ first) is quoted with an apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def _csv_lines(lines: Any) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(lines)
    return out.getvalue().encode("utf-8")
