"""``docs/protocol.md`` is a contract read by people and checked from outside: every frame, close
code and error code the code can produce is in it, and everything it lists exists in the code."""

from __future__ import annotations

import re
from pathlib import Path

from axon.domain import errors
from axon.protocol import server
from axon.protocol.client import CLIENT_FRAMES
from axon.protocol.close_codes import CloseCode

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "protocol.md").read_text()


def _section(title: str) -> str:
    start = DOC.index(f"## {title}")
    end = DOC.find("\n## ", start + 1)
    return DOC[start:end if end != -1 else None]


def _headings(section: str) -> set[str]:
    names: set[str] = set()
    for heading in re.findall(r"^### (.+)$", section, flags=re.M):
        names.update(part.strip() for part in re.sub(r"\(.*?\)", "", heading).split("/"))
    return names


def _table_column(section: str) -> list[str]:
    return re.findall(r"^\| `?([a-z_0-9]+)`? \|", section, flags=re.M)


def test_every_client_frame_is_documented_and_every_documented_one_exists() -> None:
    assert _headings(_section("Client → server frames")) == set(CLIENT_FRAMES)


def test_every_server_frame_is_documented_and_every_documented_one_exists() -> None:
    tags = {frame.__struct_config__.tag for frame in server.SERVER_FRAMES}
    assert _headings(_section("Server → client frames")) == tags


def test_the_close_code_table_is_the_close_codes_of_the_code() -> None:
    codes = {value for name, value in vars(CloseCode).items() if name.isupper()}
    assert {int(c) for c in _table_column(_section("Connection lifecycle")) if c.isdigit()} == codes


def test_every_error_code_the_server_can_answer_is_in_the_error_table() -> None:
    documented = set(_table_column(_section("Error codes")))
    source = "\n".join(p.read_text() for p in (ROOT / "axon").rglob("*.py") if "client" not in p.parts)
    produced = set(re.findall(r'code\s*=\s*"([a-z_]+)"', source))
    produced |= set(re.findall(r'(?:error_frame|_error|\.error|FrameError)\(\s*"([a-z_]+)"', source))
    produced |= set(re.findall(r'\d{3}: "([a-z_]+)"', (ROOT / "axon" / "api" / "errors.py").read_text()))
    assert produced - documented == set()
    assert {"bad_request", "not_ready", "internal_error"} <= produced  # the scan sees the ones it should


def test_each_error_class_answers_with_the_documented_http_status() -> None:
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| ([^|]+) \|", _section("Error codes"), flags=re.M))
    for cls in (errors.BadRequest, errors.ValidationFailed, errors.MessageTooLarge, errors.Unauthenticated,
                errors.Forbidden, errors.NotFound, errors.Conflict, errors.Gone, errors.RateLimited):
        assert str(cls.status) in rows[cls.code], cls.__name__
