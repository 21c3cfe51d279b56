"""The keyword index: ``search_docs`` and its terms (queries only, no rules).

Terms come already cut (``axon.domain.search_terms``) and, for an organisation with blind terms,
already hashed: this module stores and matches opaque words and never parses user input. Each
term is quoted into the FTS5 / tsquery expression, so nothing a person types is query syntax.

- SQLite: the FTS5 table ``search_fts`` (rowid = ``search_docs.id``) holds the terms joined by
  spaces, and a term naming the conversation (``conversation_term``: a query names the searcher's
  conversations inside the FTS5 expression); ranked by ``bm25``.
- PostgreSQL: ``search_docs.terms`` is a tsvector written from the terms as a literal (positions
  included), never through a text-search parser, so what is stored does not depend on the
  server's locale or dictionaries; ranked by ``ts_rank_cd``.

Every write here runs inside a write operation of the group-commit writer (the indexer's durable
consumer, the reindex, the retention purge).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Integer,
    String,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    column,
    delete,
    exists,
    false,
    func,
    insert,
    literal_column,
    or_,
    select,
    table,
    text,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import TSQUERY

from ..domain.search_terms import QueryTerm
from .schema import conversations, mentions, messages, meta, orgs, search_docs, search_keys, search_words
from .sealed_columns import open_message_texts

MAX_LIMIT = 100
MAX_OFFSET = 1000
_MAX_POSITION = 16383  # PostgreSQL's largest tsvector position
_CHUNK = 500
# Up to this many readable conversations are named inside the FTS5 expression; beyond, the join's
# filter alone keeps the answer to them (an OR of thousands of terms costs more than it saves).
_CONVERSATIONS_IN_MATCH = 200


@dataclass(frozen=True, slots=True)
class Doc:
    """One message as the index holds it."""

    message_id: str
    org_id: str
    conversation_id: str
    seq: int
    sender_id: str
    created_at: int
    reply_to: str | None
    terms: tuple[str, ...]  # in order (plain) or sorted (blind), repeated as often as they occur
    has_file: bool = False
    has_image: bool = False
    has_link: bool = False
    has_voice: bool = False
    blind: bool = False

    def columns(self) -> dict[str, Any]:
        return {"message_id": self.message_id, "org_id": self.org_id, "conversation_id": self.conversation_id,
                "seq": self.seq, "sender_id": self.sender_id, "created_at": self.created_at,
                "reply_to": self.reply_to, "has_file": self.has_file, "has_image": self.has_image,
                "has_link": self.has_link, "has_voice": self.has_voice, "blind": self.blind}


def _postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


# --- writing ------------------------------------------------------------------------------------


def tsvector_literal(terms: Sequence[str]) -> str:
    """PostgreSQL's tsvector input for ``terms`` in order: each lexeme quoted, with its positions."""
    positions: dict[str, list[int]] = {}
    for at, term in enumerate(terms, start=1):
        positions.setdefault(term, []).append(min(at, _MAX_POSITION))
    return " ".join(f"{_quote_lexeme(term)}:{','.join(map(str, dict.fromkeys(ats)))}"
                    for term, ats in positions.items())


def _quote_lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def upsert(conn: Connection, docs: Iterable[Doc]) -> None:
    """Index each message, replacing what was indexed for it before (so indexing twice is harmless)."""
    by_message = {d.message_id: d for d in docs}  # the last version of a message wins
    if not by_message:
        return
    if _postgres(conn):
        _upsert_postgres(conn, list(by_message.values()))
    else:
        _upsert_sqlite(conn, list(by_message.values()))


def _upsert_postgres(conn: Connection, docs: list[Doc]) -> None:
    # Text SQL: the tsvector column is not in the Table (see schema.py).
    names = list(search_docs.c.keys())[1:]
    columns = ", ".join(names) + ", terms"
    values = ", ".join(f":{n}" for n in names) + ", CAST(:terms AS tsvector)"
    updates = ", ".join(f"{n} = excluded.{n}" for n in names if n != "message_id") + ", terms = excluded.terms"
    sql = text(f"INSERT INTO search_docs ({columns}) VALUES ({values}) "
               f"ON CONFLICT (message_id) DO UPDATE SET {updates}")
    conn.execute(sql, [{**d.columns(), "terms": tsvector_literal(d.terms)} for d in docs])


_DOC_COLUMNS = [n for n in search_docs.c.keys() if n != "id"]
_INSERT_DOCS_SQLITE = (f"INSERT INTO search_docs (id, {', '.join(_DOC_COLUMNS)}) "
                       f"VALUES ({', '.join('?' * (len(_DOC_COLUMNS) + 1))})")
_UPDATE_DOCS_SQLITE = (f"UPDATE search_docs SET {', '.join(f'{n} = ?' for n in _DOC_COLUMNS if n != 'message_id')} "
                       "WHERE id = ?")
assert _DOC_COLUMNS[0] == "message_id"


def _values(doc: Doc) -> tuple[Any, ...]:
    columns = doc.columns()
    return tuple(columns[n] for n in _DOC_COLUMNS)


def conversation_term(conversation_id: str) -> str:
    """The FTS5 term naming a doc's conversation ("zz" + the id's letters and digits: no word term
    starts so — blind terms are hex —, and the ascii tokenizer would split at the underscore)."""
    return "zz" + conversation_id.replace("_", "")


def _fts_text(doc: Doc) -> str:
    # The conversation is a term too, so that a query joins the searcher's conversations inside
    # FTS5 (posting lists merged in C) instead of ranking every match of a common word in the
    # whole organisation and throwing most of them away afterwards.
    return " ".join(doc.terms) + " " + conversation_term(doc.conversation_id)


_INSERT_FTS = "INSERT INTO search_fts (rowid, terms) VALUES (?, ?)"
_DELETE_FTS = "DELETE FROM search_fts WHERE rowid = ?"


def _upsert_sqlite(conn: Connection, docs: list[Doc]) -> None:
    # Driver SQL with positional rows, and ids handed out here: a busy node indexes thousands of
    # messages a second, and building one SQLAlchemy INSERT … RETURNING per doc cost most of the
    # indexer's time in the writer. The writer is the only one writing, so MAX(id) + 1… is free.
    existing = _ids_of(conn, [d.message_id for d in docs])
    known = [d for d in docs if d.message_id in existing]
    fresh = [d for d in docs if d.message_id not in existing]
    if known:
        conn.exec_driver_sql(_UPDATE_DOCS_SQLITE, [
            (*_values(d)[1:], existing[d.message_id]) for d in known])
        conn.exec_driver_sql(_DELETE_FTS, [(existing[d.message_id],) for d in known])
    rows = [(existing[d.message_id], _fts_text(d)) for d in known]
    if fresh:
        first = int(conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) + 1 FROM search_docs").scalar_one())
        conn.exec_driver_sql(_INSERT_DOCS_SQLITE, [(first + i, *_values(d)) for i, d in enumerate(fresh)])
        rows += [(first + i, _fts_text(d)) for i, d in enumerate(fresh)]
    conn.exec_driver_sql(_INSERT_FTS, rows)


def _ids_of(conn: Connection, message_ids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(message_ids), _CHUNK):
        chunk = message_ids[start:start + _CHUNK]
        stmt = select(search_docs.c.message_id, search_docs.c.id).where(search_docs.c.message_id.in_(chunk))
        found.update({mid: int(i) for mid, i in conn.execute(stmt)})
    return found


def remove(conn: Connection, message_ids: Iterable[str]) -> int:
    """Forget these messages (deleted, erased by retention); returns how many docs went."""
    ids = list(dict.fromkeys(message_ids))
    gone = 0
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        if not _postgres(conn):
            doc_ids = list(_ids_of(conn, chunk).values())
            if doc_ids:
                conn.execute(text("DELETE FROM search_fts WHERE rowid = :id"), [{"id": i} for i in doc_ids])
        gone += conn.execute(delete(search_docs).where(search_docs.c.message_id.in_(chunk))).rowcount or 0
    return gone


def remove_org(conn: Connection, org_id: str) -> None:
    """Every doc of an organisation (a reindex from scratch starts here)."""
    if not _postgres(conn):
        conn.execute(text("DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_docs WHERE org_id = :org)"),
                     {"org": org_id})
    conn.execute(delete(search_docs).where(search_docs.c.org_id == org_id))


def count(conn: Connection, org_id: str | None = None) -> int:
    stmt = select(func.count()).select_from(search_docs)
    if org_id is not None:
        stmt = stmt.where(search_docs.c.org_id == org_id)
    return int(conn.execute(stmt).scalar_one())


def indexed_message_ids(conn: Connection, org_id: str) -> list[str]:
    """Every indexed message of an organisation, doc order (tests and the fault test count them)."""
    stmt = select(search_docs.c.message_id).where(search_docs.c.org_id == org_id).order_by(search_docs.c.id)
    return list(conn.execute(stmt).scalars())


# --- matching -----------------------------------------------------------------------------------


class MatchQuery(Protocol):
    """What ``match`` reads of a query: the fields of ``services.ports.IndexQuery`` (which the store,
    below the services, cannot import)."""

    @property
    def org_id(self) -> str: ...
    @property
    def conversation_ids(self) -> tuple[str, ...]: ...
    @property
    def terms(self) -> tuple[QueryTerm, ...]: ...
    @property
    def excluded(self) -> tuple[str, ...]: ...
    @property
    def sender_ids(self) -> tuple[str, ...]: ...
    @property
    def after_ms(self) -> int | None: ...
    @property
    def before_ms(self) -> int | None: ...
    @property
    def in_threads(self) -> bool: ...
    @property
    def has(self) -> frozenset[str]: ...
    @property
    def mentioning(self) -> str | None: ...
    @property
    def newest_first(self) -> bool: ...
    @property
    def limit(self) -> int: ...
    @property
    def offset(self) -> int: ...


_fts = table("search_fts", column("rowid", Integer))
Hit = tuple[str, str, int, float]  # message_id, conversation_id, seq, score (higher is better)


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _fts_term(q: QueryTerm) -> str:
    if not q.parts:
        return _fts_phrase(q.term)
    return "(" + _fts_phrase(q.term) + " OR (" + " AND ".join(_fts_phrase(p) for p in q.parts) + "))"


def _ts_term(q: QueryTerm) -> str:
    if not q.parts:
        return _quote_lexeme(q.term)
    return "(" + _quote_lexeme(q.term) + " | (" + " & ".join(_quote_lexeme(p) for p in q.parts) + "))"


def fts_expression(terms: Sequence[QueryTerm]) -> str:
    return " AND ".join(_fts_term(t) for t in terms)


def tsquery_expression(terms: Sequence[QueryTerm]) -> str:
    return " & ".join(_ts_term(t) for t in terms)


def match(conn: Connection, q: MatchQuery) -> list[Hit]:
    """The messages of ``q.conversation_ids`` that have every term (each by itself or by all of its
    parts), none of the excluded terms, pass every filter and are not deleted: best first (bm25 /
    ts_rank_cd), or newest first; ``terms == ()``: filters only, newest first."""
    if not q.conversation_ids:
        return []
    postgres = _postgres(conn)
    limit = max(0, min(q.limit, MAX_LIMIT))
    offset = max(0, min(q.offset, MAX_OFFSET))
    if limit == 0:
        return []
    d = search_docs.c
    # PostgreSQL: one array parameter, however many conversations the searcher may read (an IN
    # list would be a parameter each, and asyncpg takes at most 32767).
    readable = (d.conversation_id == any_(bindparam("conversations", list(q.conversation_ids),
                                                    type_=ARRAY(String(32))))
                if postgres else d.conversation_id.in_(q.conversation_ids))
    where: list[ColumnElement[bool]] = [readable, d.org_id == q.org_id, messages.c.deleted_at.is_(None)]
    score: ColumnElement[Any]
    fts: ColumnElement[Any] = literal_column("search_fts")
    if q.terms:
        if postgres:
            tsq = _tsquery(tsquery_expression(q.terms), "q")
            where.append(literal_column("search_docs.terms").op("@@")(tsq))
            score = func.ts_rank_cd(literal_column("search_docs.terms"), tsq)
        else:
            expression = fts_expression(q.terms)
            if len(q.conversation_ids) <= _CONVERSATIONS_IN_MATCH:
                expression = f"({expression}) AND (" + " OR ".join(
                    _fts_phrase(conversation_term(c)) for c in q.conversation_ids) + ")"
            where.append(fts.op("MATCH")(bindparam("match", expression, type_=Text())))
            score = -func.bm25(fts)
    else:
        score = literal_column("0.0")
    if q.excluded:
        excluded = [QueryTerm(t) for t in dict.fromkeys(q.excluded)]
        if postgres:
            any_of = " | ".join(_ts_term(t) for t in excluded)
            where.append(~literal_column("search_docs.terms").op("@@")(_tsquery(any_of, "excluded")))
        else:
            any_of = " OR ".join(_fts_term(t) for t in excluded)
            where.append(d.id.not_in(select(_fts.c.rowid).where(
                fts.op("MATCH")(bindparam("excluded", any_of, type_=Text())))))
    if q.sender_ids:
        where.append(d.sender_id.in_(q.sender_ids))
    if q.after_ms is not None:
        where.append(d.created_at >= q.after_ms)
    if q.before_ms is not None:
        where.append(d.created_at < q.before_ms)
    if q.in_threads:
        where.append(or_(d.reply_to.is_not(None), messages.c.reply_count > 0))
    for kind in sorted(q.has):
        column = {"file": d.has_file, "image": d.has_image, "link": d.has_link, "voice": d.has_voice}.get(kind)
        where.append(column == true() if column is not None else false())
    if q.mentioning is not None:
        named = exists().where(mentions.c.user_id == q.mentioning, mentions.c.conversation_id == d.conversation_id,
                               mentions.c.seq == d.seq)
        where.append(or_(named, messages.c.mentions_all == true()))
    source: Any = search_docs.join(messages, messages.c.id == d.message_id)
    if q.terms and not postgres:
        source = _fts.join(search_docs, d.id == _fts.c.rowid).join(messages, messages.c.id == d.message_id)
    stmt = select(d.message_id, d.conversation_id, d.seq, score.label("score")).select_from(source).where(and_(*where))
    if q.terms and not q.newest_first:
        stmt = stmt.order_by(literal_column("score").desc(), d.created_at.desc(), d.id.desc())
    else:
        stmt = stmt.order_by(d.created_at.desc(), d.id.desc())
    rows = conn.execute(stmt.limit(limit).offset(offset)).all()
    return [(r[0], r[1], int(r[2]), float(r[3] or 0.0)) for r in rows]


def _tsquery(expression: str, name: str) -> ColumnElement[Any]:
    return cast(bindparam(name, expression, type_=Text()), TSQUERY)


# --- each organisation's key for blind terms ----------------------------------------------------


def key_of(conn: Connection, org_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(search_keys).where(search_keys.c.org_id == org_id)).mappings().first()
    return dict(row) if row is not None else None


def add_key(conn: Connection, org_id: str, wrapped: str, master_key_id: str, now_ms: int) -> None:
    """Store the organisation's key unless it has one already (two nodes may race to make it: the
    first commit wins, and the other reads it back)."""
    dialect: Any = postgresql if _postgres(conn) else sqlite
    conn.execute(dialect.insert(search_keys).values(org_id=org_id, wrapped=wrapped, master_key_id=master_key_id,
                                                    created_at=now_ms).on_conflict_do_nothing(
                                                        index_elements=[search_keys.c.org_id]))


def all_keys(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(search_keys).order_by(search_keys.c.org_id)).mappings()]


def rewrap_key(conn: Connection, org_id: str, wrapped: str, master_key_id: str) -> None:
    conn.execute(update(search_keys).where(search_keys.c.org_id == org_id)
                 .values(wrapped=wrapped, master_key_id=master_key_id))


# --- organisations' own words -------------------------------------------------------------------


def words_of(conn: Connection, org_id: str) -> list[str]:
    stmt = select(search_words.c.word).where(search_words.c.org_id == org_id).order_by(search_words.c.word)
    return list(conn.execute(stmt).scalars())


def all_words(conn: Connection) -> list[str]:
    return list(conn.execute(select(search_words.c.word).distinct().order_by(search_words.c.word)).scalars())


def set_words(conn: Connection, org_id: str, words: Sequence[str]) -> None:
    conn.execute(delete(search_words).where(search_words.c.org_id == org_id))
    if words:
        conn.execute(insert(search_words), [{"org_id": org_id, "word": w} for w in words])


# --- what a reindex reads -----------------------------------------------------------------------


def message_ids_page(conn: Connection, org_id: str, after: str, limit: int) -> list[str]:
    """Ids of the organisation's live messages after ``after`` (id order), at most ``limit``."""
    stmt = (select(messages.c.id).join(conversations, conversations.c.id == messages.c.conversation_id)
            .where(conversations.c.org_id == org_id, messages.c.deleted_at.is_(None), messages.c.id > after)
            .order_by(messages.c.id).limit(limit))
    return list(conn.execute(stmt).scalars())


def live_message_count(conn: Connection, org_id: str) -> int:
    stmt = (select(func.count()).select_from(messages)
            .join(conversations, conversations.c.id == messages.c.conversation_id)
            .where(conversations.c.org_id == org_id, messages.c.deleted_at.is_(None)))
    return int(conn.execute(stmt).scalar_one())


def message_rows(conn: Connection, message_ids: list[str]) -> list[dict[str, Any]]:
    """The messages (texts opened), in no particular order; missing ids are left out."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(message_ids), _CHUNK):
        chunk = message_ids[start:start + _CHUNK]
        found += [dict(r) for r in conn.execute(select(messages).where(messages.c.id.in_(chunk))).mappings()]
    return open_message_texts(conn, found)


# --- the one backfill of each organisation's history --------------------------------------------

_BACKFILLED = "search_backfilled:"


def orgs_to_backfill(conn: Connection) -> list[str]:
    """Organisations whose history was never indexed as a whole, oldest first."""
    done = set(conn.execute(select(meta.c.key).where(meta.c.key.startswith(_BACKFILLED))).scalars())
    found = conn.execute(select(orgs.c.id).order_by(orgs.c.created_at, orgs.c.id)).scalars()
    return [org_id for org_id in found if _BACKFILLED + org_id not in done]


def mark_backfilled(conn: Connection, org_id: str) -> None:
    key = _BACKFILLED + org_id
    if conn.execute(select(meta.c.key).where(meta.c.key == key)).first() is None:
        conn.execute(insert(meta).values(key=key, value="1"))
