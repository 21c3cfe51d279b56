"""Messages: send (idempotent, group-committed), edit, delete, react, pin, history, threads, receipts."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..domain import policy
from ..domain.content import parse_mentions, validate_emoji, validate_text
from ..domain.errors import AxonError, Conflict, NotFound, ValidationFailed
from ..domain.files import validate_attachment_ids
from ..domain.idempotency import content_hash, validate_client_msg_id
from ..domain.ids import new_id
from ..domain.model import Actor, Conversation, Membership
from ..domain.receipts import tally_receipts
from ..protocol.codec import encode_str
from ..protocol.rest import Attachment, Message
from ..store import accounts, link_previews
from ..store import conversations as convs
from ..store import messages as msgs
from ..store.database import Conn
from ..store.tx import Tx
from ..store.writer import Failed, WriteOp
from .attachments import attach, attachments_for, check_attachable, copies_for_forward, release_files
from .core import Core
from .org_settings import check_readable, settings_for
from .preferences import clear_sent_drafts
from .send_limits import SendLimits
from .views import message_view

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ForwardOf:
    """The message a send forwards: its conversation and seq (``forward_of`` on the wire)."""

    conversation_id: str
    seq: int

    @property
    def key(self) -> str:
        return f"{self.conversation_id}:{self.seq}"


@dataclass(frozen=True, slots=True)
class SendResult:
    message: Message
    duplicate: bool


class SendMessage(WriteOp):
    """One send; all sends of a group-commit batch are applied together by ``apply_many``."""

    __slots__ = ("actor", "conversation_id", "client_msg_id", "text", "reply_to", "hash", "message_id",
                 "forward_of", "forwarded", "attachments", "files", "preview", "card", "mentions")

    def __init__(self, actor: Actor, conversation_id: str, client_msg_id: str, text: str, reply_to: str | None,
                 message_id: str, forward_of: ForwardOf | None = None, attachments: tuple[str, ...] = (),
                 preview: bool = True, card: str | None = None, mentions: bool = True) -> None:
        self.actor = actor
        # False: its @-names mention nobody (the assistant quotes messages and examples: it never
        # notifies the people they name)
        self.mentions = mentions
        self.card = card  # the card's JSON (a calendar event's card), or None
        self.preview = preview  # False: the sender wants no link preview
        self.conversation_id = conversation_id
        self.client_msg_id = client_msg_id
        self.text = text  # a forward's text is copied from its source when the batch applies it
        self.reply_to = reply_to
        self.forward_of = forward_of
        self.forwarded: str | None = None  # the stored source of a forward, set with its text
        self.attachments = attachments  # file ids; checked and loaded into ``files`` when the batch applies it
        self.files: list[Row] = []
        self.hash = content_hash(conversation_id, text, reply_to, forward_of.key if forward_of else "", attachments)
        self.message_id = message_id

    def apply(self, tx: Tx) -> Any:
        return SendMessage.apply_many(tx, [self])[0]

    @classmethod
    def apply_many(cls, tx: Tx, ops: Sequence[SendMessage]) -> list[Any]:
        return _SendBatch(tx, ops).run()


class _SendBatch:
    def __init__(self, tx: Tx, ops: Sequence[SendMessage]) -> None:
        self.tx = tx
        self.ops = ops
        self.access: dict[tuple[str, str], tuple[Conversation | None, Membership | None]] = {}
        self.existing_files: dict[str, list[Attachment]] = {}

    def run(self) -> list[Any]:
        conn = self.tx.conn
        existing = msgs.by_client_ids(conn, [(op.actor.device_id, op.client_msg_id) for op in self.ops])
        self.existing_files = attachments_for(conn, list(existing.values()))  # no query unless one has files
        # Every (conversation, sender) of the batch is authorised from one read, not one per message.
        self.access = convs.access_many(conn, {(op.conversation_id, op.actor.user_id) for op in self.ops})
        results: list[Any] = [None] * len(self.ops)
        accepted: list[tuple[int, SendMessage, str | None]] = []
        claimed: dict[tuple[str, str], int] = {}
        for i, op in enumerate(self.ops):
            key = (op.actor.device_id, op.client_msg_id)
            try:
                if key in existing:
                    results[i] = _duplicate(existing[key], op, self.existing_files)
                elif key in claimed:
                    continue  # resolved after insertion, from the first claimant
                else:
                    accepted.append((i, op, self._check(op)))
                    claimed[key] = i
            except AxonError as exc:
                results[i] = Failed(exc)
        rows = self._insert(accepted, results)
        clear_sent_drafts(self.tx, self._drafted(accepted))
        for i, op in enumerate(self.ops):
            key = (op.actor.device_id, op.client_msg_id)
            if results[i] is None and key in claimed:
                results[i] = _duplicate(rows[claimed[key]], op, attachments_for(conn, [rows[claimed[key]]]))
        return results

    def _drafted(self, accepted: list[tuple[int, SendMessage, str | None]]) -> list[tuple[str, str, str]]:
        """The (sender, conversation, thread) drafts to clear: only where the membership read above
        says the sender has one, so a send without a draft costs no statement here."""
        drafted = []
        for _, op, root in accepted:
            member = self.access[(op.conversation_id, op.actor.user_id)][1]
            if member is not None and member.has_draft:
                drafted.append((op.actor.user_id, op.conversation_id, root or ""))
        return drafted

    def _check(self, op: SendMessage) -> str | None:
        conv, member = self.access[(op.conversation_id, op.actor.user_id)]
        policy.check_can_post(op.actor, conv, member, reply=op.reply_to is not None)
        if op.attachments:
            op.files = check_attachable(self.tx.conn, op.actor, op.conversation_id, op.attachments)
        if op.forward_of is not None:
            self._copy_forwarded(op, op.forward_of)
        if op.reply_to is None:
            return None
        root = msgs.get(self.tx.conn, op.reply_to)
        if root is None or root["conversation_id"] != op.conversation_id:
            raise NotFound("The message replied to was not found.", field="reply_to")
        return str(root["reply_to"] or root["id"])  # replies to a reply join the root's thread

    def _copy_forwarded(self, op: SendMessage, source: ForwardOf) -> None:
        """A forward copies its source's text, once the policy says the sender may read the source."""
        conn = self.tx.conn
        conv, member = convs.get_with_membership(conn, source.conversation_id, op.actor.user_id)
        check_readable(conn, op.actor, conv, member)
        row = msgs.by_seq(conn, source.conversation_id, source.seq)
        if row is None or row["deleted_at"] is not None:
            raise NotFound("The message to forward was not found.", field="forward_of")
        op.text = row["text"]
        op.files = copies_for_forward(self.tx, op.actor, op.conversation_id, row)
        op.forwarded = encode_str({"conversation_id": source.conversation_id, "seq": source.seq,
                                   "sender_id": row["sender_id"]})

    def _insert(self, accepted: list[tuple[int, SendMessage, str | None]], results: list[Any]) -> dict[int, Row]:
        tx = self.tx
        by_conv: dict[str, list[tuple[int, SendMessage, str | None]]] = defaultdict(list)
        for item in accepted:
            by_conv[item[1].conversation_id].append(item)
        rows: dict[int, Row] = {}
        mention_rows: list[Row] = []
        replies: dict[str, int] = defaultdict(int)
        firsts = tx.allocate_seqs_many({conv_id: len(items) for conv_id, items in by_conv.items()},
                                       last_message_at=tx.now_ms)
        for conv_id, items in by_conv.items():
            first = firsts[conv_id]
            for offset, (i, op, root) in enumerate(items):
                row, mentioned = self._row(op, first + offset, root)
                rows[i] = row
                mention_rows += [{"user_id": u, "conversation_id": conv_id, "seq": row["seq"],
                                  "message_id": row["id"]} for u in mentioned]
                if root is not None:
                    replies[root] += 1
                view = message_view(row, None, attach(tx, row["id"], op.files) if op.files else None)
                tx.conversation_event(conv_id, "message.new", op.actor.user_id, {"message": view}, seq=row["seq"])
                results[i] = SendResult(view, duplicate=False)
        msgs.insert_many(tx.conn, list(rows.values()))
        link_previews.refuse_many(tx.conn, [{"message_id": op.message_id, "conversation_id": op.conversation_id,
                                             "created_at": tx.now_ms} for _, op, _ in accepted if not op.preview])
        msgs.insert_mentions(tx.conn, mention_rows)
        msgs.bump_reply_counts(tx.conn, replies, tx.now_ms)
        return rows

    def _row(self, op: SendMessage, seq: int, root: str | None) -> tuple[Row, list[str]]:
        # A forward notifies nobody again: its mentions were the source's, not the forwarder's.
        refs = parse_mentions("" if op.forwarded or not op.mentions else op.text)
        mentioned = sorted(accounts.user_ids_by_usernames(self.tx.conn, op.actor.org_id, sorted(refs.usernames))
                           .values()) if refs.usernames else []
        row = {
            "id": op.message_id, "conversation_id": op.conversation_id, "seq": seq, "sender_id": op.actor.user_id,
            "device_id": op.actor.device_id, "client_msg_id": op.client_msg_id, "content_hash": op.hash,
            "text": op.text, "reply_to": root, "reply_count": 0, "last_reply_at": None,
            "mentions": encode_str(mentioned), "mentions_all": refs.everyone, "pinned_at": None,
            "pinned_by": None, "edited_at": None, "deleted_at": None, "created_at": self.tx.now_ms,
            "forwarded": op.forwarded, "file_count": len(op.files), "card": op.card,
        }
        return row, [u for u in mentioned if u != op.actor.user_id]


def _duplicate(row: Row, op: SendMessage, files: dict[str, list[Attachment]]) -> Any:
    if row["content_hash"] != op.hash:
        return Failed(Conflict("This client_msg_id was already used for a different message.",
                               code="idempotency_key_reused", client_msg_id=op.client_msg_id))
    return SendResult(message_view(row, None, files.get(row["id"])), duplicate=True)


class Messages:
    def __init__(self, core: Core, send_limits: SendLimits | None = None) -> None:
        self.core = core
        self.send_limits = send_limits  # None: unlimited (tests of the store and services alone)

    async def send(self, actor: Actor, conversation_id: str, client_msg_id: Any, text: Any,
                   reply_to: str | None = None, forward_of: ForwardOf | None = None,
                   attachments: Any = None, *, preview: bool = True) -> SendResult:
        result: SendResult = await self.enqueue_send(actor, conversation_id, client_msg_id, text, reply_to,
                                                     forward_of, attachments, preview=preview)
        return result

    def enqueue_send(self, actor: Actor, conversation_id: str, client_msg_id: Any, text: Any,
                     reply_to: str | None = None, forward_of: ForwardOf | None = None,
                     attachments: Any = None, *, preview: bool = True) -> asyncio.Future[SendResult]:
        """Validate and queue a send now; the future resolves once it is durably committed.

        Queueing is synchronous so that sends from one connection are committed
        (and get seqs) in the order they arrived.
        """
        if not isinstance(conversation_id, str) or not conversation_id:
            raise ValidationFailed("conv is required.", field="conv")
        if reply_to is not None and not isinstance(reply_to, str):
            raise ValidationFailed("reply_to must be a message id.", field="reply_to")
        if self.send_limits is not None:
            self.send_limits.take(actor)
        files = validate_attachment_ids(attachments)
        if files and forward_of is not None:
            raise ValidationFailed("A forward carries its source's files: leave attachments out.",
                                   field="attachments")
        if forward_of is None and not (files and text in (None, "")):
            text = validate_text(text, self.core.limits.max_text_bytes)
        elif text not in (None, ""):
            raise ValidationFailed("A forward copies its source's text: leave text out.", field="text")
        op = SendMessage(actor, conversation_id, validate_client_msg_id(client_msg_id), text or "", reply_to,
                         new_id("message", self.core.clock.now_ms()), forward_of, files, preview is not False)
        return self.core.writer.enqueue(op)

    def card_send(self, actor: Actor, conversation_id: str, client_msg_id: str, text: str,
                  card: dict[str, Any]) -> SendMessage:
        """A send of a message showing ``card`` (``text``: its plain-text fallback), to be applied in the
        caller's own write (``op.apply(tx)``) with the checks, limits and ``message.new`` event of any send."""
        if self.send_limits is not None:
            self.send_limits.take(actor)
        text = validate_text(text, self.core.limits.max_text_bytes)
        return SendMessage(actor, conversation_id, validate_client_msg_id(client_msg_id), text, None,
                           new_id("message", self.core.clock.now_ms()), preview=False, card=encode_str(card))

    @staticmethod
    def _load_for_change(tx: Tx, actor: Actor, conversation_id: str,
                         message_id: str) -> tuple[Conversation | None, Membership | None, Row]:
        """The conversation, the actor's membership (members only: outsiders learn nothing of the
        message) and the message; each use case then asks the policy about its own action."""
        conv, member = convs.get_with_membership(tx.conn, conversation_id, actor.user_id)
        policy.check_member(actor, conv, member)
        row = msgs.get(tx.conn, message_id)
        if row is None or row["conversation_id"] != conversation_id:
            raise NotFound("Message not found.")
        return conv, member, row

    @staticmethod
    def _age_minutes(tx: Tx, row: Row) -> float:
        return max(0, tx.now_ms - int(row["created_at"])) / 60_000

    async def edit(self, actor: Actor, conversation_id: str, message_id: str, text: Any) -> Row:
        text = validate_text(text, self.core.limits.max_text_bytes)

        def edit(tx: Tx) -> Row:
            conv, member, row = self._load_for_change(tx, actor, conversation_id, message_id)
            policy.check_can_edit_message(actor, conv, member, row["sender_id"], row["deleted_at"] is not None,
                                          row["forwarded"] is not None, settings=settings_for(tx.conn, actor.org_id),
                                          age_minutes=self._age_minutes(tx, row))
            refs = parse_mentions(text)
            mentioned = sorted(accounts.user_ids_by_usernames(tx.conn, actor.org_id, sorted(refs.usernames)).values())
            values = {"text": text, "edited_at": tx.now_ms, "mentions": encode_str(mentioned),
                      "mentions_all": refs.everyone}
            msgs.update_message(tx.conn, row, values)
            msgs.rewrite_text_in_events(tx.conn, conversation_id, message_id, int(row["seq"]), text, mentioned,
                                        refs.everyone)  # earlier versions are not kept readable
            row.update(values, preview=(link_previews.get(tx.conn, message_id) or {}).get("data"))
            msgs.replace_mentions(tx.conn, row, [u for u in mentioned if u != actor.user_id])
            view = with_reactions(tx.conn, [row])[0]
            tx.conversation_event(conversation_id, "message.edited", actor.user_id, {
                "message_id": message_id, "text": text, "mentions": mentioned, "mentions_all": refs.everyone,
                "edited_at": view.edited_at})
            return view

        return await self.core.write(edit)

    async def delete(self, actor: Actor, conversation_id: str, message_id: str) -> None:
        def delete(tx: Tx) -> None:
            conv, member, row = self._load_for_change(tx, actor, conversation_id, message_id)
            policy.check_can_delete_message(actor, conv, member, row["sender_id"], row["deleted_at"] is not None,
                                            settings=settings_for(tx.conn, actor.org_id),
                                            age_minutes=self._age_minutes(tx, row))
            erase_message(tx, row, actor.user_id)

        await self.core.write(delete)

    async def react(self, actor: Actor, conversation_id: str, message_id: str, emoji: str, add: bool) -> None:
        emoji = validate_emoji(emoji)

        def react(tx: Tx) -> None:
            conv, member, row = self._load_for_change(tx, actor, conversation_id, message_id)
            policy.check_can_react(actor, conv, member)
            if row["deleted_at"] is not None:
                raise NotFound("Message not found.")
            changed = (msgs.add_reaction(tx.conn, message_id, emoji, actor.user_id, tx.now_ms) if add
                       else msgs.remove_reaction(tx.conn, message_id, emoji, actor.user_id))
            if changed:
                tx.conversation_event(conversation_id, "reaction.added" if add else "reaction.removed",
                                      actor.user_id, {"message_id": message_id, "emoji": emoji,
                                                      "user_id": actor.user_id})

        await self.core.write(react)

    async def pin(self, actor: Actor, conversation_id: str, message_id: str, pinned: bool) -> None:
        def pin(tx: Tx) -> None:
            conv, member, row = self._load_for_change(tx, actor, conversation_id, message_id)
            policy.check_can_pin(actor, conv, member)
            if row["deleted_at"] is not None:
                raise NotFound("Message not found.")
            if (row["pinned_at"] is not None) == pinned:
                return
            msgs.update_message(tx.conn, row, {"pinned_at": tx.now_ms if pinned else None,
                                                      "pinned_by": actor.user_id if pinned else None})
            tx.conversation_event(conversation_id, "message.pinned" if pinned else "message.unpinned",
                                  actor.user_id, {"message_id": message_id})

        await self.core.write(pin)

    # --- reading ---------------------------------------------------------------

    def _readable(self, conn: Conn, actor: Actor, conversation_id: str) -> Conversation:
        conv, member = convs.get_with_membership(conn, conversation_id, actor.user_id)
        return check_readable(conn, actor, conv, member)

    async def history(self, actor: Actor, conversation_id: str, before_seq: int | None, limit: int) -> Row:
        def load(conn: Conn) -> Row:
            self._readable(conn, actor, conversation_id)
            rows = msgs.history(conn, conversation_id, before_seq, limit + 1)
            more = len(rows) > limit
            rows = list(reversed(rows[:limit]))
            newer = before_seq is not None and rows and msgs.after(conn, conversation_id, rows[-1]["seq"], 1)
            return {"items": with_reactions(conn, rows),
                    "next_before_seq": rows[0]["seq"] if more and rows else None,
                    "next_after_seq": rows[-1]["seq"] if newer else None}

        return await self.core.read(load)

    async def history_after(self, actor: Actor, conversation_id: str, after_seq: int, limit: int) -> Row:
        """Top-level messages after ``after_seq``, ascending: paging forward from a history window."""
        def load(conn: Conn) -> Row:
            self._readable(conn, actor, conversation_id)
            rows = msgs.after(conn, conversation_id, after_seq, limit + 1)
            more = len(rows) > limit
            rows = rows[:limit]
            return {"items": with_reactions(conn, rows), "next_before_seq": None,
                    "next_after_seq": rows[-1]["seq"] if more else None}

        return await self.core.read(load)

    async def history_around(self, actor: Actor, conversation_id: str, seq: int, limit: int) -> Row:
        """The top-level messages around ``seq`` (about half older, the rest from it on), ascending: where
        a search result opens. A thread reply's seq opens the window around its root."""
        def load(conn: Conn) -> Row:
            self._readable(conn, actor, conversation_id)
            anchor = _window_anchor(conn, conversation_id, seq)
            older = msgs.history(conn, conversation_id, anchor, limit // 2 + 1)
            shown_older = older[:limit // 2]
            newer = msgs.after(conn, conversation_id, anchor - 1, limit - len(shown_older) + 1)
            shown_newer = newer[:limit - len(shown_older)]
            rows = [*reversed(shown_older), *shown_newer]
            return {"items": with_reactions(conn, rows),
                    "next_before_seq": rows[0]["seq"] if len(older) > len(shown_older) else None,
                    "next_after_seq": rows[-1]["seq"] if len(newer) > len(shown_newer) else None}

        return await self.core.read(load)

    async def get(self, actor: Actor, conversation_id: str, message_id: str) -> Row:
        def load(conn: Conn) -> Row:
            self._readable(conn, actor, conversation_id)
            row = msgs.get(conn, message_id)
            if row is None or row["conversation_id"] != conversation_id:
                raise NotFound("Message not found.")
            return with_reactions(conn, [row])[0]

        return await self.core.read(load)

    async def thread(self, actor: Actor, conversation_id: str, message_id: str, limit: int = 1000) -> Row:
        def load(conn: Conn) -> Row:
            self._readable(conn, actor, conversation_id)
            root = msgs.get(conn, message_id)
            if root is None or root["conversation_id"] != conversation_id:
                raise NotFound("Message not found.")
            replies = msgs.thread(conn, message_id, limit)
            items = with_reactions(conn, [root, *replies])
            return {"root": items[0], "replies": items[1:]}

        return await self.core.read(load)

    async def pins(self, actor: Actor, conversation_id: str) -> list[Row]:
        def load(conn: Conn) -> list[Row]:
            self._readable(conn, actor, conversation_id)
            return with_reactions(conn, msgs.pinned(conn, conversation_id))

        return await self.core.read(load)

    async def receipts(self, actor: Actor, conversation_id: str, message_id: str) -> Row:
        def load(conn: Conn) -> Row:
            conv, member = convs.get_with_membership(conn, conversation_id, actor.user_id)
            policy.check_member(actor, conv, member)
            row = msgs.get(conn, message_id)
            if row is None or row["conversation_id"] != conversation_id:
                raise NotFound("Message not found.")
            marks, total = convs.receipts(conn, conversation_id, int(row["seq"]))
            private = {u["id"] for u in accounts.get_users(conn, [m["user_id"] for m in marks])
                       if not u["read_receipts"]}
            tally = tally_receipts(int(row["seq"]), row["sender_id"], marks, private)
            return {"message_id": message_id, "read_by": tally.read_by, "read_count": len(tally.read_by),
                    "delivered_to": tally.delivered_to, "delivered_count": len(tally.delivered_to),
                    "member_count": total, "recipient_count": max(total - 1, 0)}

        return await self.core.read(load)


def _window_anchor(conn: Conn, conversation_id: str, seq: int) -> int:
    """The seq a history window is centred on: ``seq`` itself, or its thread's root for a reply."""
    row = msgs.by_seq(conn, conversation_id, seq)
    if row is not None and row["reply_to"]:
        root = msgs.get(conn, row["reply_to"])
        if root is not None:
            return int(root["seq"])
    return seq


def with_reactions(conn: Conn, rows: list[Row], *, with_hashes: bool = False) -> list[Row]:
    """Message views with their reactions and files (files only looked for when a row has some;
    ``with_hashes``: each file with its SHA-256, for compliance exports)."""
    reactions = msgs.reactions_for(conn, [r["id"] for r in rows])
    files = attachments_for(conn, rows, with_hash=with_hashes)
    previews = link_previews.data_for(conn, [r["id"] for r in rows])
    for row in rows if previews else ():
        row["preview"] = previews.get(row["id"])
    return [message_view(r, reactions.get(r["id"]), files.get(r["id"])) for r in rows]


def erase_message(tx: Tx, row: Row, actor_id: str | None) -> None:
    """Delete a message (``actor_id`` None: the retention job). Erased, not hidden: it keeps only its
    place (seq) in history; its text goes from the message and from every stored event that carried
    it. Its reactions and pin go too, as the protocol tells readers of the event log to infer from
    ``message.deleted``."""
    message_id, conversation_id = row["id"], row["conversation_id"]
    msgs.update_message(tx.conn, row, {"deleted_at": tx.now_ms, "text": "", "mentions": "[]",
                                              "mentions_all": False, "pinned_at": None, "pinned_by": None,
                                              "forwarded": None, "file_count": 0, "card": None})
    msgs.rewrite_text_in_events(tx.conn, conversation_id, message_id, int(row["seq"]), "", [], False,
                                erase_files=bool(row.get("file_count")), erase_card=bool(row.get("card")))
    msgs.replace_mentions(tx.conn, row, [])
    release_files(tx, row)
    msgs.remove_all_reactions(tx.conn, message_id)
    link_previews.remove(tx.conn, message_id)
    tx.conversation_event(conversation_id, "message.deleted", actor_id, {"message_id": message_id})


def replace_card(tx: Tx, message_id: str, card: dict[str, Any], actor_id: str | None) -> bool:
    """Give a message a new card, with the ``message.card`` event that tells its readers, in the
    caller's transaction. Nothing for a message gone or deleted (a tombstone shows no card) or already
    showing that card; False then."""
    row = msgs.get(tx.conn, message_id)
    stored = encode_str(card)
    if row is None or row["deleted_at"] is not None or row["card"] == stored:
        return False  # gone, a tombstone, or showing this card already (no event for no change)
    msgs.update_message(tx.conn, row, {"card": stored})
    tx.conversation_event(row["conversation_id"], "message.card", actor_id, {"message_id": message_id, "card": card})
    return True
