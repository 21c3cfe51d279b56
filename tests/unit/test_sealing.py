"""Sealing at rest: the stored format, the row binding, the keyring and the master key."""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Connection, create_engine, insert

from axon.domain.content import validate_text
from axon.domain.errors import ValidationFailed
from axon.domain.sealing import SealBroken, compose, is_sealed, key_id_of, parse, row_binding
from axon.keys.master import LocalMasterKey, MasterKeyError, generate_text, load
from axon.store.schema import metadata, orgs
from axon.store.sealing import Keyring


def master() -> LocalMasterKey:
    return LocalMasterKey(os.urandom(32), "test")


@pytest.fixture
def conn() -> Iterator[Connection]:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as connection:
        for org in ("o1", "o2"):
            connection.execute(insert(orgs).values(id=org, name=org, slug=org, signup_domains="", created_at=0))
        yield connection


def test_a_sealed_value_is_marked_and_names_its_key() -> None:
    stored = compose("0123456789ab", "cGF5bG9hZA==")
    assert is_sealed(stored) and key_id_of(stored) == "0123456789ab"
    assert parse(stored).payload == "cGF5bG9hZA=="
    assert key_id_of("plain text") is None and key_id_of('{"json": 1}') is None
    with pytest.raises(SealBroken):
        parse("\x1e9" + "0" * 20)  # an unknown format version


@given(st.text())
def test_no_valid_text_can_pass_for_a_sealed_value(text: str) -> None:
    # The marker is a C0 control that every stored text is validated free of.
    try:
        valid = validate_text(text, 1 << 20)
    except ValidationFailed:
        return
    assert not is_sealed(valid)


def test_bindings_of_different_rows_and_columns_differ() -> None:
    bindings = {row_binding("messages.text", "o1", "c1", "m1"), row_binding("messages.text", "o1", "c1", "m2"),
                row_binding("messages.text", "o2", "c1", "m1"), row_binding("events.data", "o1", "c1", 1),
                row_binding("events.data", "o1", "c11", ""), row_binding("events.data", "o1", "c1", "1", "")}
    assert len(bindings) == 6


def test_a_value_opens_only_in_its_own_row(conn: Connection) -> None:
    keyring = Keyring(master())
    keyring.create_key(conn, "o1", 0, all_sealed=True)
    here, there = row_binding("messages.text", "o1", "c1", "m1"), row_binding("messages.text", "o1", "c1", "m2")
    stored = keyring.seal(conn, "o1", here, "机密 secret")
    assert "secret" not in stored and is_sealed(stored)
    assert keyring.open(conn, "o1", here, stored) == "机密 secret"
    with pytest.raises(SealBroken):
        keyring.open(conn, "o1", there, stored)
    payload = base64.b64decode(parse(stored).payload)
    flipped = compose(parse(stored).key_id, base64.b64encode(payload[:-1] + bytes([payload[-1] ^ 1])).decode())
    with pytest.raises(SealBroken):
        keyring.open(conn, "o1", here, flipped)
    assert keyring.seal(conn, "o1", here, "") == ""  # nothing to hide


def test_plaintext_is_refused_once_an_organisation_is_all_sealed(conn: Connection) -> None:
    keyring = Keyring(master())
    keyring.create_key(conn, "o1", 0, all_sealed=True, seal_now=True)  # a new organisation's
    keyring.create_key(conn, "o2", 0, all_sealed=False)  # an older install's, still being sealed
    binding = row_binding("drafts.text", "o1", "u", "c", "")
    with pytest.raises(SealBroken):
        keyring.open(conn, "o1", binding, "forged")
    assert keyring.open(conn, "o2", row_binding("drafts.text", "o2", "u", "c", ""), "legacy") == "legacy"
    assert keyring.open(conn, "o1", binding, "") == ""


def test_another_node_loads_a_key_from_the_database_and_each_org_has_its_own(conn: Connection) -> None:
    shared = master()
    first, second = Keyring(shared), Keyring(shared)
    first.create_key(conn, "o1", 0, all_sealed=True)
    key_o2 = first.create_key(conn, "o2", 0, all_sealed=True)
    binding = row_binding("conversations.topic", "o1", "c1")
    stored = first.seal(conn, "o1", binding, "topic")
    assert second.open(conn, "o1", binding, stored) == "topic"  # unwrapped on first sight
    assert key_id_of(second.seal(conn, "o2", row_binding("conversations.topic", "o2", "c2"), "x")) == key_o2
    with pytest.raises(SealBroken):
        Keyring(master()).open(conn, "o1", binding, stored)  # another master key cannot unwrap it


def test_a_new_data_key_is_used_once_committed_and_the_old_one_still_opens() -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    keyring = Keyring(master())
    binding = row_binding("users.title", "o1", "u1")
    with engine.begin() as conn:
        conn.execute(insert(orgs).values(id="o1", name="o1", slug="o1", signup_domains="", created_at=0))
        old = keyring.create_key(conn, "o1", 0, all_sealed=True, seal_now=True)
        before = keyring.seal(conn, "o1", binding, "title")
    with pytest.raises(RuntimeError), engine.begin() as conn:  # a rotation whose write fails
        keyring.create_key(conn, "o1", 1, all_sealed=False)
        raise RuntimeError("the batch failed")
    with engine.begin() as conn:
        keyring.refresh_active(conn)
        assert key_id_of(keyring.seal(conn, "o1", binding, "title")) == old  # nothing under the lost key
        new = keyring.create_key(conn, "o1", 2, all_sealed=False)
        assert key_id_of(keyring.seal(conn, "o1", binding, "title")) == old  # not before it is committed
    with engine.begin() as conn:
        keyring.refresh_active(conn)
        assert key_id_of(keyring.seal(conn, "o1", binding, "title")) == new != old
        assert keyring.open(conn, "o1", binding, before) == "title"


def test_the_master_key_comes_from_the_environment_a_file_or_is_made_once(tmp_path: Path) -> None:
    text = generate_text()
    assert load(text, None, tmp_path).key == base64.b64decode(text)
    key_file = tmp_path / "mounted.key"
    key_file.write_text(text + "\n")
    assert load(None, key_file, tmp_path).key == base64.b64decode(text)
    made = load(None, None, tmp_path / "data")
    assert stat.S_IMODE((tmp_path / "data" / "master.key").stat().st_mode) == 0o600
    assert load(None, None, tmp_path / "data").key == made.key  # the same key on the next start
    with pytest.raises(MasterKeyError):
        load(base64.b64encode(b"short").decode(), None, tmp_path)
    with pytest.raises(MasterKeyError):
        load("not base64!", None, tmp_path)
