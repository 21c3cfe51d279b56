"""Every sealed column, the associated data that binds its values to their rows, and how rows
are sealed on the way in and opened on the way out (``store/sealing.py`` does the cryptography).

| table.column | bound to |
|---|---|
| events.data (every conversation event) | organisation, conversation, seq |
| user_events.data (every user event: drafts, profile...) | organisation, user, seq |
| messages.text | organisation, conversation, message id |
| messages.card (a card's JSON: a calendar event's title...) | organisation, conversation, message id |
| conversations.topic | organisation, conversation |
| drafts.text | organisation, user, conversation, thread root |
| users.title, users.status_text | organisation, user |
| two_factor.totp_secret, two_factor.pending_secret (TOTP seeds) | organisation, user |
| sso_providers.secret (LDAP bind password, OIDC client secret) | organisation, provider kind |
| blobs.key (a stored file's content key) | organisation, SHA-256 |
| uploads.key (an upload's staging key) | organisation, upload id |
| message_previews.url, message_previews.data (link previews) | organisation, conversation, message id |
| link_preview_cache.url, link_preview_cache.data | organisation, URL hash |
| search_recent.query (a person's recent searches) | organisation, user, row id |
| search_vectors.vector (a message's sentence vector: it reveals meaning) | organisation, conversation, message id |
| calendar_events.title, .description, .location | organisation, event id |
| calendar_feeds.token (a calendar feed's secret, also stored as its SHA-256 for look-ups) | organisation, user |
| ai_settings.chat_api_key, ai_settings.translation_api_key (AI endpoints' API keys) | organisation |
| reply_pairs.vector, reply_pairs.reply_text (smart replies' learned pairs) | organisation, conversation, reply id |
| reminders.text (what an @axon reminder reminds of) | organisation, reminder id |

Names (people's, channels') and e-mail addresses stay plaintext: they are looked up and searched
by the database (sign-in, mentions, the directory, channel browsing), see docs/security.md.
"""

from __future__ import annotations

import binascii
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection

from ..domain.events import ConversationEvent, UserEvent
from ..domain.sealing import row_binding
from .sealing import keyring_of

Row = dict[str, Any]


def event_binding(org_id: str, conversation_id: str, seq: int) -> bytes:
    return row_binding("events.data", org_id, conversation_id, seq)


def user_event_binding(org_id: str, user_id: str, seq: int) -> bytes:
    return row_binding("user_events.data", org_id, user_id, seq)


def seal_conversation_events(conn: Connection, found: list[ConversationEvent]) -> list[str]:
    keyring = keyring_of(conn)
    if not keyring.enabled or not found:
        return [e.data_json for e in found]
    orgs = keyring.orgs_of_conversations(conn, {e.conversation_id for e in found})
    return [keyring.seal(conn, org, event_binding(org, e.conversation_id, e.seq), e.data_json)
            for e, org in ((e, orgs[e.conversation_id]) for e in found)]


def seal_user_events(conn: Connection, found: list[UserEvent]) -> list[str]:
    keyring = keyring_of(conn)
    if not keyring.enabled or not found:
        return [e.data_json for e in found]
    orgs = keyring.orgs_of_users(conn, {e.user_id for e in found})
    return [keyring.seal(conn, orgs[e.user_id], user_event_binding(orgs[e.user_id], e.user_id, e.seq), e.data_json)
            for e in found]


def open_conversation_events(conn: Connection, found: list[ConversationEvent]) -> list[ConversationEvent]:
    """Events read back from the database, their data opened (once per page, whoever reads it)."""
    keyring = keyring_of(conn)
    if not found or keyring.plain_only(e.data_json for e in found):
        return found
    orgs = keyring.orgs_of_conversations(conn, {e.conversation_id for e in found})
    return [replace(e, data_json=keyring.open(conn, orgs[e.conversation_id],
                                              event_binding(orgs[e.conversation_id], e.conversation_id, e.seq),
                                              e.data_json)) for e in found]


def open_user_events(conn: Connection, found: list[UserEvent]) -> list[UserEvent]:
    keyring = keyring_of(conn)
    if not found or keyring.plain_only(e.data_json for e in found):
        return found
    orgs = keyring.orgs_of_users(conn, {e.user_id for e in found})
    return [replace(e, data_json=keyring.open(conn, orgs[e.user_id], user_event_binding(orgs[e.user_id], e.user_id,
                                                                                         e.seq), e.data_json))
            for e in found]


# --- messages ------------------------------------------------------------------------------


def message_binding(org_id: str, row: Row) -> bytes:
    return row_binding("messages.text", org_id, row["conversation_id"], row["id"])


def card_binding(org_id: str, row: Row) -> bytes:
    return row_binding("messages.card", org_id, row["conversation_id"], row["id"])


def seal_message_texts(conn: Connection, rows: list[Row], column: str = "text") -> list[str]:
    """The ``column`` (``text``, or ``card`` where not None) of message rows, sealed."""
    keyring = keyring_of(conn)
    if not keyring.enabled or not rows:
        return [r[column] for r in rows]
    binding = message_binding if column == "text" else card_binding
    orgs = keyring.orgs_of_conversations(conn, {r["conversation_id"] for r in rows})
    return [r[column] if r[column] is None else
            keyring.seal(conn, orgs[r["conversation_id"]], binding(orgs[r["conversation_id"]], r), r[column])
            for r in rows]


def seal_message_text(conn: Connection, conversation_id: str, message_id: str, text: str,
                      column: str = "text") -> str:
    return seal_message_texts(conn, [{"conversation_id": conversation_id, "id": message_id, column: text}],
                              column)[0]


def open_message_texts(conn: Connection, rows: list[Row]) -> list[Row]:
    """Opens ``text`` (and ``card``, where the rows have one) of message rows in place; returns them."""
    keyring = keyring_of(conn)
    if not rows or keyring.plain_only([*(r["text"] for r in rows), *(r["card"] for r in rows if r.get("card"))]):
        return rows
    orgs = keyring.orgs_of_conversations(conn, {r["conversation_id"] for r in rows})
    for r in rows:
        org = orgs[r["conversation_id"]]
        r["text"] = keyring.open(conn, org, message_binding(org, r), r["text"])
        if r.get("card"):
            r["card"] = keyring.open(conn, org, card_binding(org, r), r["card"])
    return rows


# --- conversations' topics -----------------------------------------------------------------


def topic_binding(org_id: str, conversation_id: str) -> bytes:
    return row_binding("conversations.topic", org_id, conversation_id)


def seal_topic(conn: Connection, org_id: str, conversation_id: str, topic: str) -> str:
    keyring = keyring_of(conn)
    keyring.learn_conversation(conversation_id, org_id)
    return keyring.seal(conn, org_id, topic_binding(org_id, conversation_id), topic)


def open_topic(conn: Connection, org_id: str, conversation_id: str, stored: str) -> str:
    return keyring_of(conn).open_cached(conn, org_id, topic_binding(org_id, conversation_id), stored)


# --- drafts --------------------------------------------------------------------------------


def draft_binding(org_id: str, user_id: str, conversation_id: str, thread_root: str) -> bytes:
    return row_binding("drafts.text", org_id, user_id, conversation_id, thread_root)


def seal_draft(conn: Connection, user_id: str, conversation_id: str, thread_root: str, text: str) -> str:
    keyring = keyring_of(conn)
    if not keyring.enabled:
        return text
    org = keyring.org_of_user(conn, user_id)
    return keyring.seal(conn, org, draft_binding(org, user_id, conversation_id, thread_root), text)


def open_drafts(conn: Connection, user_id: str, rows: list[Row]) -> list[Row]:
    keyring = keyring_of(conn)
    if not rows or keyring.plain_only(r["text"] for r in rows):
        return rows
    org = keyring.org_of_user(conn, user_id)
    for r in rows:
        r["text"] = keyring.open(conn, org, draft_binding(org, user_id, r["conversation_id"], r["thread_root"]),
                                 r["text"])
    return rows


# --- people's profile fields ----------------------------------------------------------------

PROFILE_COLUMNS = ("title", "status_text")


def profile_binding(column: str, org_id: str, user_id: str) -> bytes:
    return row_binding(f"users.{column}", org_id, user_id)


def seal_profile(conn: Connection, org_id: str, user_id: str, values: Row) -> Row:
    """``values`` with its sealed profile columns sealed (a copy)."""
    if not any(c in values for c in PROFILE_COLUMNS):
        return values
    keyring = keyring_of(conn)
    keyring.learn_user(user_id, org_id)
    return {k: keyring.seal(conn, org_id, profile_binding(k, org_id, user_id), v) if k in PROFILE_COLUMNS else v
            for k, v in values.items()}


def open_profile(conn: Connection, row: Row) -> Row:
    keyring = keyring_of(conn)
    for column in PROFILE_COLUMNS:
        if column in row:
            row[column] = keyring.open_cached(conn, row["org_id"], profile_binding(column, row["org_id"], row["id"]),
                                              row[column])
    return row


# --- secrets: TOTP seeds and sign-in providers' credentials -----------------------------------

TOTP_COLUMNS = ("totp_secret", "pending_secret")


def totp_binding(column: str, org_id: str, user_id: str) -> bytes:
    return row_binding(f"two_factor.{column}", org_id, user_id)


def seal_totp_secret(conn: Connection, column: str, user_id: str, secret: str) -> str:
    keyring = keyring_of(conn)
    if not keyring.enabled:
        return secret
    org = keyring.org_of_user(conn, user_id)
    return keyring.seal(conn, org, totp_binding(column, org, user_id), secret)


def open_totp_secrets(conn: Connection, row: Row) -> Row:
    """Opens the TOTP columns of a ``two_factor`` row in place; returns it."""
    keyring = keyring_of(conn)
    stored = [row[c] for c in TOTP_COLUMNS if row.get(c)]
    if not stored or keyring.plain_only(stored):
        return row
    org = keyring.org_of_user(conn, row["user_id"])
    for column in TOTP_COLUMNS:
        if row.get(column):
            row[column] = keyring.open(conn, org, totp_binding(column, org, row["user_id"]), row[column])
    return row


def provider_secret_binding(org_id: str, kind: str) -> bytes:
    return row_binding("sso_providers.secret", org_id, kind)


def seal_provider_secret(conn: Connection, org_id: str, kind: str, secret: str) -> str:
    return keyring_of(conn).seal(conn, org_id, provider_secret_binding(org_id, kind), secret)


def open_provider_secret(conn: Connection, row: Row) -> Row:
    """Opens ``secret`` of an ``sso_providers`` row in place; returns it."""
    row["secret"] = keyring_of(conn).open(conn, row["org_id"], provider_secret_binding(row["org_id"], row["kind"]),
                                          row["secret"])
    return row


# --- link previews ---------------------------------------------------------------------------
# The URL and the card's texts (title, description...) are sealed; the small re-encoded picture is not
# (binary, and a page's public picture: docs/security.md).

PREVIEW_COLUMNS = ("url", "data")


def preview_binding(column: str, org_id: str, conversation_id: str, message_id: str) -> bytes:
    return row_binding(f"message_previews.{column}", org_id, conversation_id, message_id)


def cache_binding(column: str, org_id: str, url_hash: str) -> bytes:
    return row_binding(f"link_preview_cache.{column}", org_id, url_hash)


def seal_preview(conn: Connection, row: Row) -> Row:
    """A ``message_previews`` row with its URL and card sealed (a copy); ``data`` None stays None."""
    keyring = keyring_of(conn)
    if not keyring.enabled:
        return row
    org = keyring.org_of_conversation(conn, row["conversation_id"])
    return {k: keyring.seal(conn, org, preview_binding(k, org, row["conversation_id"], row["message_id"]), v)
            if k in PREVIEW_COLUMNS and v is not None else v for k, v in row.items()}


def open_previews(conn: Connection, rows: list[Row]) -> list[Row]:
    """Opens the sealed columns present in ``rows`` (with ``conversation_id`` and ``message_id``), in place."""
    keyring = keyring_of(conn)
    columns = [c for c in PREVIEW_COLUMNS if rows and c in rows[0]]
    if not rows or keyring.plain_only(r[c] for r in rows for c in columns if r[c] is not None):
        return rows
    orgs = keyring.orgs_of_conversations(conn, {r["conversation_id"] for r in rows})
    for r in rows:
        org = orgs[r["conversation_id"]]
        for c in columns:
            if r[c] is not None:
                r[c] = keyring.open(conn, org, preview_binding(c, org, r["conversation_id"], r["message_id"]), r[c])
    return rows


def seal_cached_preview(conn: Connection, row: Row) -> Row:
    keyring = keyring_of(conn)
    if not keyring.enabled:
        return row
    org, url_hash = row["org_id"], row["url_hash"]
    return {k: keyring.seal(conn, org, cache_binding(k, org, url_hash), v) if k in PREVIEW_COLUMNS and v is not None
            else v for k, v in row.items()}


def open_cached_preview(conn: Connection, org_id: str, url_hash: str, row: Row) -> Row:
    keyring = keyring_of(conn)
    for c in PREVIEW_COLUMNS:
        if row.get(c) is not None:
            row[c] = keyring.open(conn, org_id, cache_binding(c, org_id, url_hash), row[c])
    return row


# --- files: per-blob and per-upload content keys ----------------------------------------------


def blob_key_binding(org_id: str, sha256: str) -> bytes:
    return row_binding("blobs.key", org_id, sha256)


def upload_key_binding(org_id: str, upload_id: str) -> bytes:
    return row_binding("uploads.key", org_id, upload_id)


def seal_file_key(conn: Connection, org_id: str, binding: bytes, key: str) -> str:
    return keyring_of(conn).seal(conn, org_id, binding, key)


def open_file_key(conn: Connection, org_id: str, binding: bytes, stored: str) -> str:
    return keyring_of(conn).open(conn, org_id, binding, stored)


# --- recent searches ------------------------------------------------------------------------


def recent_search_binding(org_id: str, user_id: str, row_id: str) -> bytes:
    return row_binding("search_recent.query", org_id, user_id, row_id)


def seal_recent_search(conn: Connection, user_id: str, row_id: str, query: str) -> str:
    keyring = keyring_of(conn)
    if not keyring.enabled:
        return query
    org = keyring.org_of_user(conn, user_id)
    return keyring.seal(conn, org, recent_search_binding(org, user_id, row_id), query)


def open_recent_searches(conn: Connection, user_id: str, rows: list[Row]) -> list[Row]:
    keyring = keyring_of(conn)
    if not rows or keyring.plain_only(r["query"] for r in rows):
        return rows
    org = keyring.org_of_user(conn, user_id)
    for r in rows:
        r["query"] = keyring.open(conn, org, recent_search_binding(org, user_id, r["id"]), r["query"])
    return rows
# --- search vectors -------------------------------------------------------------------------


def vector_binding(org_id: str, conversation_id: str, message_id: str) -> bytes:
    return row_binding("search_vectors.vector", org_id, conversation_id, message_id)


def seal_vector(conn: Connection, org_id: str, conversation_id: str, message_id: str, raw: bytes) -> str:
    """``raw`` as stored: its base64 text, sealed when sealing is on (a text column, so that key
    rotation and first sealing re-seal it like any other value: ``store/reseal.py``)."""
    text = binascii.b2a_base64(raw, newline=False).decode("ascii")
    return keyring_of(conn).seal(conn, org_id, vector_binding(org_id, conversation_id, message_id), text)


def open_vector(conn: Connection, org_id: str, conversation_id: str, message_id: str, stored: str) -> bytes:
    return binascii.a2b_base64(keyring_of(conn).open(conn, org_id, vector_binding(org_id, conversation_id, message_id),
                                                     stored))


# --- calendar ---------------------------------------------------------------------------------

CALENDAR_EVENT_COLUMNS = ("title", "description", "location")


def calendar_event_binding(column: str, org_id: str, event_id: str) -> bytes:
    return row_binding(f"calendar_events.{column}", org_id, event_id)


def seal_calendar_event(conn: Connection, row: Row) -> Row:
    """A ``calendar_events`` row (or its changed values, with ``org_id`` and ``id``) with its texts sealed (a copy)."""
    keyring = keyring_of(conn)
    if not keyring.enabled:
        return row
    return {k: keyring.seal(conn, row["org_id"], calendar_event_binding(k, row["org_id"], row["id"]), v)
            if k in CALENDAR_EVENT_COLUMNS else v for k, v in row.items()}


def open_calendar_events(conn: Connection, rows: list[Row]) -> list[Row]:
    keyring = keyring_of(conn)
    if not rows or keyring.plain_only(r[c] for r in rows for c in CALENDAR_EVENT_COLUMNS):
        return rows
    for r in rows:
        for c in CALENDAR_EVENT_COLUMNS:
            r[c] = keyring.open(conn, r["org_id"], calendar_event_binding(c, r["org_id"], r["id"]), r[c])
    return rows


def feed_token_binding(org_id: str, user_id: str) -> bytes:
    return row_binding("calendar_feeds.token", org_id, user_id)


def seal_feed_token(conn: Connection, user_id: str, token: str) -> str:
    keyring = keyring_of(conn)
    if not keyring.enabled:
        return token
    org = keyring.org_of_user(conn, user_id)
    return keyring.seal(conn, org, feed_token_binding(org, user_id), token)


def open_feed_token(conn: Connection, user_id: str, stored: str) -> str:
    keyring = keyring_of(conn)
    if keyring.plain_only([stored]):
        return stored
    org = keyring.org_of_user(conn, user_id)
    return keyring.open(conn, org, feed_token_binding(org, user_id), stored)
# --- AI endpoints' API keys (ai_settings) ------------------------------------------------------

AI_KEY_COLUMNS = ("chat_api_key", "translation_api_key")


def ai_key_binding(column: str, org_id: str) -> bytes:
    return row_binding(f"ai_settings.{column}", org_id)


def seal_ai_key(conn: Connection, org_id: str, column: str, key: str) -> str:
    return keyring_of(conn).seal(conn, org_id, ai_key_binding(column, org_id), key)


def open_ai_keys(conn: Connection, row: Row) -> Row:
    """Opens the API keys of an ``ai_settings`` row in place; returns it."""
    keyring = keyring_of(conn)
    for column in AI_KEY_COLUMNS:
        row[column] = keyring.open(conn, row["org_id"], ai_key_binding(column, row["org_id"]), row[column])
    return row


# --- smart replies' learned pairs -------------------------------------------------------------

PAIR_COLUMNS = ("vector", "reply_text")


def pair_binding(column: str, org_id: str, conversation_id: str, reply_id: str) -> bytes:
    return row_binding(f"reply_pairs.{column}", org_id, conversation_id, reply_id)


def seal_pair(conn: Connection, org_id: str, conversation_id: str, reply_id: str, vector: bytes,
              reply_text: str) -> tuple[str, str]:
    """The pair's vector (base64 text, as ``seal_vector``) and reply, sealed when sealing is on."""
    keyring = keyring_of(conn)
    text = binascii.b2a_base64(vector, newline=False).decode("ascii")
    return (keyring.seal(conn, org_id, pair_binding("vector", org_id, conversation_id, reply_id), text),
            keyring.seal(conn, org_id, pair_binding("reply_text", org_id, conversation_id, reply_id), reply_text))


def open_pair(conn: Connection, org_id: str, conversation_id: str, reply_id: str, vector: str,
              reply_text: str) -> tuple[bytes, str]:
    keyring = keyring_of(conn)
    raw = keyring.open(conn, org_id, pair_binding("vector", org_id, conversation_id, reply_id), vector)
    return (binascii.a2b_base64(raw),
            keyring.open(conn, org_id, pair_binding("reply_text", org_id, conversation_id, reply_id), reply_text))


# --- @axon reminders (reminders) ----------------------------------------------------------------


def reminder_binding(org_id: str, reminder_id: str) -> bytes:
    return row_binding("reminders.text", org_id, reminder_id)


def seal_reminder(conn: Connection, row: Row) -> Row:
    """A ``reminders`` row with its text sealed (a copy)."""
    keyring = keyring_of(conn)
    if not keyring.enabled:
        return row
    return {**row, "text": keyring.seal(conn, row["org_id"], reminder_binding(row["org_id"], row["id"]), row["text"])}


def open_reminders(conn: Connection, rows: list[Row]) -> list[Row]:
    keyring = keyring_of(conn)
    if not rows or keyring.plain_only(r["text"] for r in rows):
        return rows
    for r in rows:
        r["text"] = keyring.open(conn, r["org_id"], reminder_binding(r["org_id"], r["id"]), r["text"])
    return rows
