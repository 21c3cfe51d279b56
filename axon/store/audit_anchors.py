"""Anchors of the audit log kept outside the database: a chain's position and hash at some moment.

A chain cut off at its end is still a consistent chain; only something the database does not hold
can show it was longer. Each node appends its chains' heads to ``<data_dir>/audit-anchors.jsonl``
(and to its log) now and then; ``axon audit verify`` checks the chain against them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from ..domain.audit import Anchor
from .private_files import FILE_MODE, private_directory

ANCHORS_FILE = "audit-anchors.jsonl"


def append_anchors(path: Path, anchors: Iterable[Anchor], at_ms: int) -> None:
    """Append one JSON line per anchor (the file is created 0600)."""
    lines = "".join(json.dumps({"chain": a.chain, "position": a.position, "hash": a.hash, "at": at_ms}) + "\n"
                    for a in anchors)
    if not lines:
        return
    private_directory(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        out.write(lines)


def read_anchors(path: Path, *, required: bool = False) -> dict[str, dict[int, str]]:
    """chain -> position -> hash, from a file of anchors (missing and not required: none)."""
    if not path.exists():
        if required:
            raise FileNotFoundError(f"No anchors file at {path}")
        return {}
    known: dict[str, dict[int, str]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            known.setdefault(str(item["chain"]), {})[int(item["position"])] = str(item["hash"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}, line {number}: not an anchor ({exc})") from exc
    return known
