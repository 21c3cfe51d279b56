"""Conversations and memberships: queries only, no rules."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, case, delete, func, insert, or_, select, update

from ..domain.model import Conversation, ConversationKind, MemberRole, Membership
from .driver_sql import PreparedQuery, placeholders
from .errors import duplicate_key_on_integrity_error
from .schema import conversations, drafts, members, mentions, messages
from .sealed_columns import open_topic, seal_topic
from .sealing import keyring_of

Row = dict[str, Any]


def to_conversation(conn: Connection, row: Any) -> Conversation:
    return Conversation(
        id=row.id,
        org_id=row.org_id,
        kind=ConversationKind(row.kind),
        name=row.name,
        topic=open_topic(conn, row.org_id, row.id, row.topic),
        archived=bool(row.archived),
        last_seq=int(row.last_seq),
        created_by=row.created_by,
        created_at=int(row.created_at),
        last_message_at=row.last_message_at,
        announcement=bool(row.announcement),
    )


def to_membership(row: Any) -> Membership:
    return Membership(
        conversation_id=row.conversation_id,
        user_id=row.user_id,
        role=MemberRole(row.role),
        read_seq=int(row.read_seq),
        delivered_seq=int(row.delivered_seq),
        joined_seq=int(row.joined_seq),
    )


@lru_cache(maxsize=1)
def _with_membership_statement() -> Select[Any]:
    """Built once: every authorised read of a conversation runs it, and building it cost as much as running it."""
    user = bindparam("user_id")
    return (
        select(conversations, members.c.user_id.label("member_id"), members.c.role, members.c.read_seq,
               members.c.delivered_seq, members.c.joined_seq)
        .outerjoin(members, and_(members.c.conversation_id == conversations.c.id, members.c.user_id == user))
        .where(conversations.c.id == bindparam("conv_id"))
    )


def get(conn: Connection, conversation_id: str) -> Conversation | None:
    row = conn.execute(select(conversations).where(conversations.c.id == conversation_id)).first()
    return to_conversation(conn, row) if row is not None else None


def get_row(conn: Connection, conversation_id: str) -> Row | None:
    row = conn.execute(select(conversations).where(conversations.c.id == conversation_id)).mappings().first()
    return _opened(conn, dict(row)) if row is not None else None


def _opened(conn: Connection, row: Row) -> Row:
    row["topic"] = open_topic(conn, row["org_id"], row["id"], row["topic"])
    return row


def membership(conn: Connection, conversation_id: str, user_id: str) -> Membership | None:
    row = conn.execute(
        select(members).where(members.c.conversation_id == conversation_id, members.c.user_id == user_id)
    ).first()
    return to_membership(row) if row is not None else None


def get_with_membership(
    conn: Connection, conversation_id: str, user_id: str
) -> tuple[Conversation | None, Membership | None]:
    """The conversation and the user's membership of it (if any), in one query."""
    row = conn.execute(_with_membership_statement(), {"conv_id": conversation_id, "user_id": user_id}).first()
    if row is None:
        return None, None
    member = None
    if row.member_id is not None:
        member = Membership(conversation_id, user_id, MemberRole(row.role), int(row.read_seq),
                            int(row.delivered_seq), int(row.joined_seq))
    return to_conversation(conn, row), member


def access_many(
    conn: Connection, pairs: set[tuple[str, str]]
) -> dict[tuple[str, str], tuple[Conversation | None, Membership | None]]:
    """``get_with_membership`` for many (conversation, user) pairs in one query.

    Driver SQL over a VALUES list of the pairs: every group commit authorises its
    senders with it, and building the statement in SQLAlchemy cost more than running it.
    """
    if not pairs:
        return {}
    wanted = sorted(pairs)
    marks = placeholders(conn.dialect, 2 * len(wanted))
    values = ", ".join(f"(CAST({marks[2 * i]} AS VARCHAR(32)), CAST({marks[2 * i + 1]} AS VARCHAR(32)))"
                       for i in range(len(wanted)))
    columns = ", ".join(f"cv.{c}" for c in conversations.c.keys())
    sql = (f"WITH k (c, u) AS (VALUES {values}) SELECT k.u AS pair_user, {columns}, m.user_id AS member_id, "
           "m.role, m.read_seq, m.delivered_seq, m.joined_seq, m.has_draft FROM k JOIN conversations cv ON cv.id = k.c "
           "LEFT JOIN members m ON m.conversation_id = k.c AND m.user_id = k.u")
    found: dict[tuple[str, str], tuple[Conversation | None, Membership | None]] = {
        pair: (None, None) for pair in wanted}
    for row in conn.exec_driver_sql(sql, tuple(v for pair in wanted for v in pair)):
        member = None
        if row.member_id is not None:
            member = Membership(row.id, row.member_id, MemberRole(row.role), int(row.read_seq),
                                int(row.delivered_seq), int(row.joined_seq), bool(row.has_draft))
        found[(row.id, row.pair_user)] = (to_conversation(conn, row), member)
    return found


def shares_conversation(conn: Connection, user_id: str, other_id: str) -> bool:
    """Whether the two users are members of at least one common conversation."""
    mine = members.alias("mine")
    stmt = (select(mine.c.conversation_id)
            .join(members, and_(members.c.conversation_id == mine.c.conversation_id, members.c.user_id == other_id))
            .where(mine.c.user_id == user_id).limit(1))
    return conn.execute(stmt).first() is not None


def co_member_ids(conn: Connection, user_id: str) -> set[str]:
    """Everyone who shares a conversation with the user (the user included): what a guest may see."""
    mine = select(members.c.conversation_id).where(members.c.user_id == user_id)
    stmt = select(members.c.user_id).where(members.c.conversation_id.in_(mine)).distinct()
    return set(conn.execute(stmt).scalars()) | {user_id}


def by_direct_key(conn: Connection, key: str) -> Conversation | None:
    row = conn.execute(select(conversations).where(conversations.c.direct_key == key)).first()
    return to_conversation(conn, row) if row is not None else None


def kinds_of(conn: Connection, conversation_ids: list[str]) -> dict[str, tuple[str, str, str | None]]:
    """Each conversation's (organisation, kind, direct key), in one statement."""
    c = conversations.c
    rows = conn.execute(select(c.id, c.org_id, c.kind, c.direct_key).where(c.id.in_(conversation_ids)))
    return {r.id: (r.org_id, r.kind, r.direct_key) for r in rows}


def insert_conversation(conn: Connection, row: Row) -> None:
    """Raises ``DuplicateKey`` when a direct conversation with the same ``direct_key`` exists."""
    row = {**row, "topic": seal_topic(conn, row["org_id"], row["id"], row["topic"])}
    with duplicate_key_on_integrity_error():
        conn.execute(insert(conversations).values(**row))


def update_conversation(conn: Connection, conversation_id: str, values: Row) -> None:
    if "topic" in values:
        org_id = keyring_of(conn).org_of_conversation(conn, conversation_id)
        values = {**values, "topic": seal_topic(conn, org_id, conversation_id, values["topic"])}
    conn.execute(update(conversations).where(conversations.c.id == conversation_id).values(**values))


def add_member(conn: Connection, conversation_id: str, user_id: str, role: str, now_ms: int, seq: int) -> None:
    conn.execute(
        insert(members).values(
            conversation_id=conversation_id,
            user_id=user_id,
            role=role,
            joined_at=now_ms,
            joined_seq=seq,
            read_seq=seq,
            delivered_seq=seq,
        )
    )
    _adjust_count(conn, conversation_id, 1)


def remove_member(conn: Connection, conversation_id: str, user_id: str) -> None:
    conn.execute(delete(members).where(members.c.conversation_id == conversation_id, members.c.user_id == user_id))
    # Their drafts go with the membership (``members.has_draft`` would not know them on a return).
    conn.execute(delete(drafts).where(drafts.c.conversation_id == conversation_id, drafts.c.user_id == user_id))
    _adjust_count(conn, conversation_id, -1)


def _adjust_count(conn: Connection, conversation_id: str, delta: int) -> None:
    conn.execute(
        update(conversations)
        .where(conversations.c.id == conversation_id)
        .values(member_count=conversations.c.member_count + delta)
    )


def set_role(conn: Connection, conversation_id: str, user_id: str, role: str) -> None:
    conn.execute(
        update(members)
        .where(members.c.conversation_id == conversation_id, members.c.user_id == user_id)
        .values(role=role)
    )


def member_ids(conn: Connection, conversation_id: str) -> list[str]:
    return list(conn.execute(select(members.c.user_id).where(members.c.conversation_id == conversation_id)).scalars())


def list_members(conn: Connection, conversation_id: str) -> list[Row]:
    stmt = select(members).where(members.c.conversation_id == conversation_id).order_by(members.c.joined_at)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def conversation_ids_of(conn: Connection, user_id: str) -> list[str]:
    return list(conn.execute(select(members.c.conversation_id).where(members.c.user_id == user_id)).scalars())


def advance_read(conn: Connection, conversation_id: str, user_id: str, seq: int) -> bool:
    """Move the read marker forward only; True when it moved."""
    result = conn.execute(
        update(members)
        .where(
            members.c.conversation_id == conversation_id,
            members.c.user_id == user_id,
            members.c.read_seq < seq,
        )
        .values(read_seq=seq, delivered_seq=case((members.c.delivered_seq < seq, seq), else_=members.c.delivered_seq))
    )
    return bool(result.rowcount)


def behind_read(conn: Connection, user_id: str) -> list[tuple[str, int]]:
    """(conversation, last seq) of the user's conversations whose read marker is behind their end."""
    stmt = (select(conversations.c.id, conversations.c.last_seq)
            .join(members, members.c.conversation_id == conversations.c.id)
            .where(members.c.user_id == user_id, members.c.read_seq < conversations.c.last_seq)
            .order_by(conversations.c.id))
    return [(cid, int(seq)) for cid, seq in conn.execute(stmt)]


def advance_delivered(conn: Connection, user_id: str, positions: dict[str, int]) -> None:
    """Move delivery marks forward, never past the conversation's last seq (a device cannot hold
    events that do not exist yet; a mark beyond them would count every future message as delivered)."""
    for conversation_id, seq in positions.items():
        last_seq = select(conversations.c.last_seq).where(conversations.c.id == conversation_id).scalar_subquery()
        conn.execute(
            update(members)
            .where(
                members.c.conversation_id == conversation_id,
                members.c.user_id == user_id,
                members.c.delivered_seq < seq,
                members.c.delivered_seq < last_seq,
            )
            .values(delivered_seq=case((last_seq < seq, last_seq), else_=seq))
        )


def summaries(conn: Connection, user_id: str, conversation_ids: list[str] | None = None) -> list[Row]:
    """The user's conversations with their marker, unread and mention counts, in three queries."""
    if conversation_ids is None:  # every connect: prepared driver SQL
        rows_q, unread_q, mention_q = _all_summaries()
        rows = rows_q.rows(conn, user_id=user_id)
        if not rows:
            return rows
        unread = {cid: int(n) for cid, n in unread_q.tuples(conn, user_id=user_id)}
        mentioned = {cid: int(n) for cid, n in mention_q.tuples(conn, user_id=user_id)}
    else:
        rows_stmt, unread_stmt, mention_stmt = _summary_statements(True)
        params = {"user_id": user_id, "conv_ids": list(conversation_ids)}
        rows = [dict(r) for r in conn.execute(rows_stmt, params).mappings()]
        if not rows:
            return rows
        unread = {cid: int(n) for cid, n in conn.execute(unread_stmt, params)}
        mentioned = {cid: int(n) for cid, n in conn.execute(mention_stmt, params)}
    for row in rows:
        _opened(conn, row)
        row["unread_count"] = unread.get(row["id"], 0)
        row["mention_count"] = mentioned.get(row["id"], 0)
        row["joined"] = True
    return rows


@lru_cache(maxsize=1)
def _all_summaries() -> tuple[PreparedQuery, PreparedQuery, PreparedQuery]:
    rows, unread, mentioned = _summary_statements(False)
    return PreparedQuery(rows), PreparedQuery(unread), PreparedQuery(mentioned)


@lru_cache(maxsize=2)
def _summary_statements(filtered: bool) -> tuple[Select[Any], Select[Any], Select[Any]]:
    """Built once: constructing these statements cost more than running them on every connect."""
    user = bindparam("user_id")
    mine = and_(members.c.user_id == user)
    rows = (
        select(conversations, members.c.role.label("my_role"), members.c.read_seq, members.c.joined_seq)
        .join(members, members.c.conversation_id == conversations.c.id)
        .where(mine)
    )
    unread = (
        select(messages.c.conversation_id, func.count())
        .join(members, and_(members.c.conversation_id == messages.c.conversation_id, mine))
        .where(messages.c.seq > members.c.read_seq, messages.c.sender_id != user, messages.c.deleted_at.is_(None))
        .group_by(messages.c.conversation_id)
    )
    direct = (
        select(mentions.c.conversation_id, mentions.c.seq)
        .join(members, and_(members.c.conversation_id == mentions.c.conversation_id, mine))
        .where(mentions.c.user_id == user, mentions.c.seq > members.c.read_seq)
    )
    everyone = (
        select(messages.c.conversation_id, messages.c.seq)
        .join(members, and_(members.c.conversation_id == messages.c.conversation_id, mine))
        .where(
            messages.c.mentions_all.is_(True),
            messages.c.seq > members.c.read_seq,
            messages.c.sender_id != user,
            messages.c.deleted_at.is_(None),
        )
    )
    if filtered:
        wanted = bindparam("conv_ids", expanding=True)
        rows = rows.where(conversations.c.id.in_(wanted))
        unread = unread.where(messages.c.conversation_id.in_(wanted))
        direct = direct.where(mentions.c.conversation_id.in_(wanted))
        everyone = everyone.where(messages.c.conversation_id.in_(wanted))
    both = direct.union(everyone).subquery()
    mentioned = select(both.c.conversation_id, func.count()).group_by(both.c.conversation_id)
    return rows, unread, mentioned


def public_channels(conn: Connection, org_id: str, query: str, limit: int) -> list[Row]:
    stmt = select(conversations).where(
        conversations.c.org_id == org_id,
        conversations.c.kind == ConversationKind.CHANNEL.value,
    )
    for word in query.split():
        stmt = stmt.where(conversations.c.search_key.contains(word, autoescape=True))
    stmt = stmt.order_by(conversations.c.archived, conversations.c.name).limit(limit)
    return [_opened(conn, dict(r)) for r in conn.execute(stmt).mappings()]


def positions(conn: Connection, conversation_ids: list[str]) -> dict[str, int]:
    if not conversation_ids:
        return {}
    stmt = select(conversations.c.id, conversations.c.last_seq).where(conversations.c.id.in_(conversation_ids))
    return {cid: int(seq) for cid, seq in conn.execute(stmt)}


def peers(conn: Connection, user_id: str, conversation_ids: list[str]) -> dict[str, str]:
    """For direct conversations: the other member's id."""
    if not conversation_ids:
        return {}
    stmt = select(members.c.conversation_id, members.c.user_id).where(
        members.c.conversation_id.in_(conversation_ids), members.c.user_id != user_id
    )
    return {cid: uid for cid, uid in conn.execute(stmt)}


def receipts(conn: Connection, conversation_id: str, seq: int) -> tuple[list[Row], int]:
    """Members whose read / delivered marker reached ``seq``, and the member count."""
    stmt = select(members.c.user_id, members.c.read_seq, members.c.delivered_seq).where(
        members.c.conversation_id == conversation_id,
        or_(members.c.read_seq >= seq, members.c.delivered_seq >= seq),
    )
    rows = [dict(r) for r in conn.execute(stmt).mappings()]
    total = conn.execute(
        select(func.count()).select_from(members).where(members.c.conversation_id == conversation_id)
    ).scalar_one()
    return rows, int(total)
