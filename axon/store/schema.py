"""SQLAlchemy Core tables: the one description of what is stored.

Read diffusion: a group message is one row in ``messages`` and one in
``events``, never one per recipient. Unread counts derive from a member's
``read_seq`` and the conversation's rows after it.
Timestamps are integer milliseconds since the Unix epoch (UTC).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData()

meta = Table(
    "axon_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

orgs = Table(
    "orgs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("slug", String(64), nullable=False, unique=True),
    Column("signup_domains", Text, nullable=False, default=""),
    Column("created_at", BigInteger, nullable=False),
    # How long a device's sign-in lasts: days without being seen, and at most (0: no limit).
    Column("session_idle_days", Integer, nullable=False, default=30, server_default="30"),
    Column("session_max_days", Integer, nullable=False, default=90, server_default="90"),
    # The organisation's #general channel, set once when it is created (services/default_channels.py).
    # Set even if an admin later drops it from the default channels, so it is never created twice.
    Column("general_channel_id", String(32)),
    # Messages older than this many days are erased by the retention job (null: kept for ever).
    Column("retention_days", Integer),
    # Every member must sign in with a second factor (members without one enrol at sign-in).
    Column("require_two_factor", Boolean, nullable=False, default=False, server_default=false()),
)

users = Table(
    "users",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("org_id", String(32), ForeignKey("orgs.id"), nullable=False),
    Column("username", String(64), nullable=False),
    Column("email", String(254)),
    Column("display_name", String(200), nullable=False),
    Column("title", Text, nullable=False, default=""),  # sealed, like status_text
    Column("timezone", String(64), nullable=False, default="UTC"),
    Column("locale", String(16), nullable=False, default="en"),
    Column("status_text", Text, nullable=False, default=""),  # sealed (store/sealing.py)
    # server_default only: inserts that leave it out (and migrations' tests on older schemas) get "".
    Column("status_emoji", String(64), nullable=False, server_default=""),
    Column("org_role", String(16), nullable=False, default="member"),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("read_receipts", Boolean, nullable=False, default=True),
    Column("password_hash", Text, nullable=False),
    Column("stream_seq", BigInteger, nullable=False, default=0),
    Column("search_key", Text, nullable=False, default=""),
    Column("created_at", BigInteger, nullable=False),
    Column("avatar_etag", String(32)),  # the current avatar's version (``avatars.etag``); null: initials
    Column("kind", String(16), nullable=False, default="person", server_default="person"),  # domain.model.UserKind
    UniqueConstraint("org_id", "username", name="uq_users_org_username"),
    UniqueConstraint("org_id", "email", name="uq_users_org_email"),
)

devices = Table(
    "devices",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", String(32), ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False, default=""),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", BigInteger, nullable=False),
    Column("last_seen_at", BigInteger),
    Column("revoked_at", BigInteger, index=True),  # every node looks for recent revocations each second
    Column("platform", String(200), nullable=False, default="", server_default=""),  # browser and OS (user agent)
    Column("last_address", String(64), nullable=False, default="", server_default=""),  # last client address seen
    # Remote wipe: ordered (the token then only serves to learn the order and confirm it), confirmed.
    Column("wipe_requested_at", BigInteger),
    Column("wiped_at", BigInteger),
)

invites = Table(
    "invites",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("org_id", String(32), ForeignKey("orgs.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_by", String(32), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger),
    Column("max_uses", Integer),
    Column("uses", Integer, nullable=False, default=0),
    Column("revoked_at", BigInteger),
    # A guest invite: "guest", and the conversations (JSON list of ids) its guests join.
    Column("role", String(16), nullable=False, default="member", server_default="member"),
    Column("conversation_ids", Text, nullable=False, default="[]", server_default="[]"),
)

# Open sign-ups waiting for their e-mail address to be confirmed: no account exists until then
# (nothing can be done with it, and no one can squat a name or address with an unconfirmed one).
pending_signups = Table(
    "pending_signups",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("org_id", String(32), ForeignKey("orgs.id"), nullable=False),
    Column("email", String(254), nullable=False),
    Column("username", String(64), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("locale", String(16), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False, index=True),
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("org_id", String(32), ForeignKey("orgs.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("name", String(200), nullable=False, default=""),
    Column("topic", Text, nullable=False, default=""),  # sealed (store/sealing.py): Text for the ciphertext
    Column("archived", Boolean, nullable=False, default=False),
    Column("created_by", String(32), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("last_seq", BigInteger, nullable=False, default=0),
    Column("last_message_at", BigInteger),
    Column("member_count", Integer, nullable=False, default=0),
    # "<org>:<user a>:<user b>" with a < b: one direct conversation per pair.
    Column("direct_key", String(100), unique=True),
    Column("search_key", Text, nullable=False, default=""),
    # Only the conversation's owners and admins post top-level messages (domain/policy.py).
    Column("announcement", Boolean, nullable=False, default=False, server_default=false()),
    # This conversation's retention in days: null = the organisation's, 0 = kept for ever.
    Column("retention_days", Integer),
    Index("ix_conversations_org_kind", "org_id", "kind"),
)

members = Table(
    "members",
    metadata,
    Column("conversation_id", String(32), ForeignKey("conversations.id"), primary_key=True),
    Column("user_id", String(32), ForeignKey("users.id"), primary_key=True),
    Column("role", String(16), nullable=False, default="member"),
    Column("joined_at", BigInteger, nullable=False),
    Column("joined_seq", BigInteger, nullable=False, default=0),
    Column("read_seq", BigInteger, nullable=False, default=0),
    Column("delivered_seq", BigInteger, nullable=False, default=0),
    # True while the member has a saved draft in this conversation (see ``drafts``).
    Column("has_draft", Boolean, nullable=False, default=False, server_default=false()),
    Index("ix_members_user", "user_id"),
)

events = Table(
    "events",
    metadata,
    Column("conversation_id", String(32), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("type", String(32), nullable=False),
    Column("actor_id", String(32)),
    Column("created_at", BigInteger, nullable=False),
    Column("data", Text, nullable=False),  # the JSON object sent as the frame's "data"
)

messages = Table(
    "messages",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("conversation_id", String(32), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("sender_id", String(32), nullable=False),
    Column("device_id", String(32), nullable=False),
    Column("client_msg_id", String(64), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("reply_to", String(32)),
    Column("reply_count", Integer, nullable=False, default=0),
    Column("last_reply_at", BigInteger),
    Column("mentions", Text, nullable=False, default="[]"),
    Column("mentions_all", Boolean, nullable=False, default=False),
    Column("pinned_at", BigInteger),
    Column("pinned_by", String(32)),
    Column("edited_at", BigInteger),
    Column("deleted_at", BigInteger),
    Column("created_at", BigInteger, nullable=False),
    # A forward's source as JSON {"conversation_id", "seq", "sender_id"}; null for other messages.
    Column("forwarded", Text),
    # How many files the message carries (``files.message_id``): reads look for attachments only
    # when a row says it has some, so a page of plain messages costs no extra query.
    Column("file_count", Integer, nullable=False, default=0, server_default="0"),
    # A card the message shows (JSON, e.g. a calendar event's summary); null for most messages.
    # Sealed at rest like ``text``; replaced with a ``message.card`` event (``services/messages.py``).
    Column("card", Text),
    # The idempotency key: never expires, so a retry days later still dedupes.
    UniqueConstraint("device_id", "client_msg_id", name="uq_messages_device_cmid"),
    UniqueConstraint("conversation_id", "seq", name="uq_messages_conv_seq"),
    Index("ix_messages_thread", "reply_to", "seq"),
)

reactions = Table(
    "reactions",
    metadata,
    Column("message_id", String(32), primary_key=True),
    Column("emoji", String(64), primary_key=True),
    Column("user_id", String(32), primary_key=True),
    Column("created_at", BigInteger, nullable=False),
)

mentions = Table(
    "mentions",
    metadata,
    Column("user_id", String(32), primary_key=True),
    Column("conversation_id", String(32), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("message_id", String(32), nullable=False),
)

user_events = Table(
    "user_events",
    metadata,
    Column("user_id", String(32), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("type", String(32), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("data", Text, nullable=False),
)

# --- the event spine's durable outbox (see axon/spine) -----------------------------

# One row per committed batch that produced events, numbered 1, 2, 3… in commit
# order. ``batch`` names the batch's events compactly (their rows stay in
# ``events`` / ``user_events``): {"c": [[conversation id, first seq, last seq]…],
# "u": [[user id, first seq, last seq]…]}. Rows every durable consumer has passed
# are deleted.
event_log = Table(
    "event_log",
    metadata,
    Column("pos", BigInteger, primary_key=True, autoincrement=False),
    Column("committed_at", BigInteger, nullable=False),
    Column("batch", Text, nullable=False),
)

# Named counters allocated under a row lock (``event_log`` positions).
counters = Table(
    "counters",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

# Each durable consumer's position in ``event_log``, and which node holds it.
spine_cursors = Table(
    "spine_cursors",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("pos", BigInteger, nullable=False),
    Column("owner", String(32), nullable=False, default=""),
    Column("lease_until", BigInteger, nullable=False, default=0),
)

# Per organisation and UTC day: what happened (kept by the ``org_activity`` consumer).
org_activity = Table(
    "org_activity",
    metadata,
    Column("org_id", String(32), primary_key=True),
    Column("day", String(10), primary_key=True),  # YYYY-MM-DD, UTC
    Column("messages", BigInteger, nullable=False, default=0),
    Column("replies", BigInteger, nullable=False, default=0),
    Column("reactions", BigInteger, nullable=False, default=0),
    Column("joins", BigInteger, nullable=False, default=0),
)

# The public channels every new member of an organisation joins, in the admins' order.
default_channels = Table(
    "default_channels",
    metadata,
    Column("org_id", String(32), ForeignKey("orgs.id"), primary_key=True),
    Column("conversation_id", String(32), ForeignKey("conversations.id"), primary_key=True),
    Column("position", Integer, nullable=False, default=0),
)

# One avatar per user, re-encoded by the server to a bounded square image (``services/avatars.py``),
# so a row stays small (tens of KiB) whatever was uploaded. Removed with the avatar.
avatars = Table(
    "avatars",
    metadata,
    Column("user_id", String(32), ForeignKey("users.id"), primary_key=True),
    Column("content_type", String(32), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("etag", String(32), nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

# --- everyday comforts: preferences and drafts, kept on the server for every device ----------

# One row per user who changed a preference: ``data`` is the JSON object
# {"favourites": [...], "collapsed": [...], "unread_only": bool, "muted": [...]}, ``version``
# grows by one per change (optimistic concurrency: a PATCH names the version it read).
user_preferences = Table(
    "user_preferences",
    metadata,
    Column("user_id", String(32), ForeignKey("users.id"), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("data", Text, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

# Unsent text per user, conversation and thread (``thread_root`` "" for the conversation itself).
# ``text`` is sealed (store/sealing.py). ``members.has_draft`` mirrors "this member has a row here", so the
# send path learns it from the membership it already reads and touches this table only then.
drafts = Table(
    "drafts",
    metadata,
    Column("user_id", String(32), ForeignKey("users.id"), primary_key=True),
    Column("conversation_id", String(32), ForeignKey("conversations.id"), primary_key=True),
    Column("thread_root", String(32), primary_key=True, default=""),
    Column("text", Text, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

# --- audit log: append-only, hash-chained, one chain per organisation (``domain/audit.py``) ----

# Entries are only ever inserted (retention of the audit log itself is not implemented). ``details``
# is canonical JSON text, hashed as stored; ``mac`` seals ``hash`` under a key kept outside the database.
audit_entries = Table(
    "audit_entries",
    metadata,
    Column("chain", String(32), primary_key=True),  # the organisation's id; "" = the system chain
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("created_at", BigInteger, nullable=False),
    Column("actor_user_id", String(32)),
    Column("actor_device_id", String(32)),
    Column("actor_address", String(100), nullable=False, default=""),
    Column("action", String(64), nullable=False),
    Column("target_type", String(32), nullable=False, default=""),
    Column("target_id", String(64), nullable=False, default=""),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("mac", String(64), nullable=False),
    Column("key_id", String(16), nullable=False),
    Index("ix_audit_entries_action", "chain", "action", "position"),
    Index("ix_audit_entries_actor", "chain", "actor_user_id", "position"),
    Index("ix_audit_entries_target", "chain", "target_id", "position"),
    Index("ix_audit_entries_time", "chain", "created_at"),
)

# Each chain's head: its last position and hash. Appending locks this row (``UPDATE … RETURNING``),
# so nodes sharing a PostgreSQL database append one at a time and positions stay gap-free.
audit_chains = Table(
    "audit_chains",
    metadata,
    Column("chain", String(32), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

# --- retention and legal hold (``services/retention.py``) --------------------------------------

# A legal hold keeps a conversation's messages, or everything a user sent, from being erased by
# retention, whatever the policies say, until it is released (released rows stay, as a record).
legal_holds = Table(
    "legal_holds",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("org_id", String(32), ForeignKey("orgs.id"), nullable=False),
    Column("target_type", String(16), nullable=False),  # "conversation" or "user"
    Column("target_id", String(32), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("created_by", String(32)),
    Column("created_at", BigInteger, nullable=False),
    Column("released_at", BigInteger),
    Column("released_by", String(32)),
    Index("ix_legal_holds_org", "org_id", "target_type", "target_id"),
)

# Background jobs that one node at a time may run (a lease: owner and until when, taken conditionally).
job_leases = Table(
    "job_leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("owner", String(32), nullable=False),
    Column("lease_until", BigInteger, nullable=False),
)

# Two-factor authentication (services/two_factor.py): one row per user who began enrolling.
# ``totp_secret`` is set once enrolment is confirmed by a valid code (``pending_secret`` until
# then); ``totp_last_step`` is the last 30-second step a code was accepted for (no replay).
# Both secrets are sealed at rest (store/sealed_columns.py).
two_factor = Table(
    "two_factor",
    metadata,
    Column("user_id", String(32), ForeignKey("users.id"), primary_key=True),
    Column("totp_secret", Text),
    Column("pending_secret", Text),
    Column("enabled_at", BigInteger),
    Column("totp_last_step", BigInteger),
)

# Single-use recovery codes, stored as SHA-256 of the normalised code (50 random bits each).
recovery_codes = Table(
    "recovery_codes",
    metadata,
    Column("user_id", String(32), ForeignKey("users.id"), primary_key=True),
    Column("code_hash", String(64), primary_key=True),
    Column("created_at", BigInteger, nullable=False),
    Column("used_at", BigInteger),
)

# A right password waiting for its second factor (or for enrolment, when the organisation requires
# it): the client holds the challenge, the server only its hash. Single use, a few minutes.
login_challenges = Table(
    "login_challenges",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(32), ForeignKey("users.id"), nullable=False, index=True),
    Column("purpose", String(32), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False, index=True),
)

# --- single sign-on: LDAP and OpenID Connect (services/sso.py) ------------------------------

# One row per organisation and kind ("ldap" or "oidc"). ``config`` is the JSON of the settings an
# admin sees; ``secret`` (the LDAP bind password, the OIDC client secret) is never returned by the API.
# The LDAP row also carries the directory sync's lease (one node syncs at a time) and its last result.
sso_providers = Table(
    "sso_providers",
    metadata,
    Column("org_id", String(32), ForeignKey("orgs.id"), primary_key=True),
    Column("kind", String(8), primary_key=True),
    Column("enabled", Boolean, nullable=False, default=False),
    Column("config", Text, nullable=False),
    Column("secret", Text, nullable=False, default=""),  # sealed (store/sealed_columns.py)
    Column("updated_at", BigInteger, nullable=False),
    Column("sync_lease_node", String(64)),
    Column("sync_lease_until", BigInteger),
    Column("last_sync_at", BigInteger),
    Column("last_sync_result", Text),
)

# Which directory entry or provider subject an account is: the link survives renames and e-mail changes.
# ``disabled_by_sync`` marks accounts the directory sync disabled, so that it (and only it) re-enables them.
sso_identities = Table(
    "sso_identities",
    metadata,
    Column("org_id", String(32), ForeignKey("orgs.id"), primary_key=True),
    Column("kind", String(8), primary_key=True),
    Column("subject", String(512), primary_key=True),
    Column("user_id", String(32), ForeignKey("users.id"), nullable=False, index=True),
    Column("disabled_by_sync", Boolean, nullable=False, default=False),
    Column("created_at", BigInteger, nullable=False),
)

# Whether members must sign in through the organisation's single sign-on (admins keep their password).
sign_in_policies = Table(
    "sign_in_policies",
    metadata,
    Column("org_id", String(32), ForeignKey("orgs.id"), primary_key=True),
    Column("sso_required", Boolean, nullable=False, default=False),
    Column("updated_at", BigInteger, nullable=False),
)

# OpenID Connect sign-ins under way: created when the browser leaves for the provider, completed by the
# callback (``user_id`` or ``error``), taken once by the browser that started it (``binding_hash``).
# Kept in the database so the callback may reach any node.
oidc_logins = Table(
    "oidc_logins",
    metadata,
    Column("state", String(64), primary_key=True),
    Column("org_id", String(32), ForeignKey("orgs.id"), nullable=False),
    Column("nonce", String(64), nullable=False),
    Column("code_verifier", String(128), nullable=False),
    Column("binding_hash", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False, index=True),
    Column("user_id", String(32)),
    Column("error", String(64)),
)

# --- encryption at rest (store/sealing.py, store/reseal.py) ------------------------------------

# Each organisation's data keys, wrapped by the master key (never stored in clear). One is
# "active"; "retiring" keys still open rows a re-encryption has not reached; "retired" keys
# have their wrapped bytes erased. ``all_sealed_at``: from then on the organisation has no
# plaintext row, and a plaintext value found in a sealed column is refused as tampering.
data_keys = Table(
    "data_keys",
    metadata,
    Column("id", String(12), primary_key=True),
    Column("org_id", String(32), ForeignKey("orgs.id"), nullable=False, index=True),
    Column("wrapped", Text, nullable=False),  # base64 of nonce + AES-256-GCM(data key) under the master key
    Column("master_key_id", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("all_sealed_at", BigInteger),
    Column("retired_at", BigInteger),
)

# The re-encryption of one organisation's rows under ``key_id`` (a rotation, or the first
# sealing of an older install's plaintext): the sealed tables are walked in primary-key order
# in bounded batches; ``step`` (which table) and ``cursor`` (the last key done, JSON) move in the
# same transaction as each batch, so a crash resumes where it stopped.
reseal_jobs = Table(
    "reseal_jobs",
    metadata,
    Column("org_id", String(32), ForeignKey("orgs.id"), primary_key=True),
    Column("key_id", String(12), nullable=False),
    Column("reason", String(16), nullable=False),  # "rotation" | "legacy"
    Column("step", Integer, nullable=False),
    Column("cursor", Text, nullable=False),
    Column("done", BigInteger, nullable=False),  # rows looked at
    Column("resealed", BigInteger, nullable=False),  # rows changed
    Column("total", BigInteger, nullable=False),  # rows when the job started (progress)
    Column("passes", Integer, nullable=False),  # completed walks (the last one must change nothing)
    Column("started_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("finished_at", BigInteger),
)

# --- roles, permissions and modules ---------------------------------------------------------

# An organisation's permission policy and feature modules (``domain/org_settings.py``), each a JSON
# object holding only what differs from the defaults' keys; no row: the defaults.
org_settings = Table(
    "org_settings",
    metadata,
    Column("org_id", String(32), ForeignKey("orgs.id"), primary_key=True),
    Column("policy", Text, nullable=False),
    Column("modules", Text, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("updated_by", String(32), nullable=False),
)

# --- link previews (files-previews) ------------------------------------------------------------

# The preview shown under a message: ``data`` is the wire LinkPreview (JSON) and ``image`` our small
# re-encoded copy of its picture. ``data`` NULL: no preview wanted (sent with "preview": false, or
# removed by its sender or an admin), which later edits respect.
message_previews = Table(
    "message_previews",
    metadata,
    Column("message_id", String(32), primary_key=True),
    Column("conversation_id", String(32), nullable=False),
    Column("url", Text, nullable=False),
    Column("data", Text),
    Column("image", LargeBinary),
    Column("image_mime", String(32)),
    Column("created_at", BigInteger, nullable=False),
)

# What a URL showed when this organisation last fetched it (one organisation never sees another's
# links). ``data`` NULL: nothing to show (refused, unreachable, not a page). Refetched once expired.
link_preview_cache = Table(
    "link_preview_cache",
    metadata,
    Column("org_id", String(32), primary_key=True),
    Column("url_hash", String(64), primary_key=True),  # SHA-256 of the URL (URLs may be long)
    Column("url", Text, nullable=False),
    Column("data", Text),
    Column("image", LargeBinary),
    Column("image_mime", String(32)),
    Column("fetched_at", BigInteger, nullable=False),
    Index("ix_link_preview_cache_fetched", "fetched_at"),
)

# --- files (services/files.py, docs/files.md) -------------------------------------------------

# Stored contents, once per organisation and SHA-256 (dedupe). ``object`` names the encrypted
# object in the BlobStore (unique per store attempt, so two uploads of the same content racing
# never overwrite each other's object); ``key`` is the per-blob content key and nonce prefixes,
# sealed by the organisation's data key. ``refs`` counts the ``files`` rows pointing here; at 0,
# ``released_at`` says since when, and the sweeper removes the blob after a grace period.
blobs = Table(
    "blobs",
    metadata,
    Column("org_id", String(32), ForeignKey("orgs.id"), primary_key=True),
    Column("sha256", String(64), primary_key=True),
    Column("object", String(160), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("key", Text, nullable=False),  # sealed (store/sealed_columns.py)
    Column("thumb_mime", String(32)),
    Column("thumb_size", BigInteger),
    Column("refs", Integer, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("released_at", BigInteger),
    Index("ix_blobs_released", "released_at"),
)

# Resumable uploads: ``received`` bytes so far, in ``upload_parts`` (each an encrypted object in
# the BlobStore under ``staging/``, so any node can continue it). ``file_id`` once finalised.
uploads = Table(
    "uploads",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("org_id", String(32), ForeignKey("orgs.id"), nullable=False),
    Column("conversation_id", String(32), ForeignKey("conversations.id"), nullable=False),
    Column("user_id", String(32), ForeignKey("users.id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("mime", String(255), nullable=False),  # what the client claimed: a hint, never trusted
    Column("voice", Boolean, nullable=False, default=False),
    Column("received", BigInteger, nullable=False),
    Column("key", Text, nullable=False),  # sealed staging key (store/sealed_columns.py)
    Column("file_id", String(32)),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False, index=True),
    Index("ix_uploads_org_user", "org_id", "user_id"),
)

upload_parts = Table(
    "upload_parts",
    metadata,
    Column("upload_id", String(32), ForeignKey("uploads.id"), primary_key=True),
    Column("start", BigInteger, primary_key=True),
    Column("length", BigInteger, nullable=False),
    Column("object", String(160), nullable=False),
)

# A file shared in a conversation: one row per attachment (a forward makes a new row on the same
# blob). ``message_id`` is null until a send attaches it; deleting the message deletes the row.
files = Table(
    "files",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("org_id", String(32), ForeignKey("orgs.id"), nullable=False),
    Column("conversation_id", String(32), ForeignKey("conversations.id"), nullable=False),
    Column("uploader_id", String(32), ForeignKey("users.id"), nullable=False),
    Column("message_id", String(32), index=True),
    Column("sha256", String(64), nullable=False),
    Column("name", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("mime", String(255), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("width", Integer),
    Column("height", Integer),
    Column("duration_ms", BigInteger),
    Column("waveform", Text),  # JSON list of peaks
    Column("animated", Boolean, nullable=False, default=False),
    Column("thumb_width", Integer),
    Column("thumb_height", Integer),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_files_conversation", "conversation_id", "created_at"),
    Index("ix_files_org_uploader", "org_id", "uploader_id"),
    Index("ix_files_blob", "org_id", "sha256"),
)

# Voice messages a user has played (the unplayed marker).
voice_plays = Table(
    "voice_plays",
    metadata,
    Column("user_id", String(32), ForeignKey("users.id"), primary_key=True),
    Column("file_id", String(32), primary_key=True),
    Column("conversation_id", String(32), nullable=False),
    Column("played_at", BigInteger, nullable=False),
    Index("ix_voice_plays_file", "file_id"),
)

# --- search (store/search_index.py, docs/search.md) ---------------------------------------------

# One row per indexed message: what the filters need, so a search reads neither ``messages`` nor
# events for them. Its terms live beside it: an FTS5 table ``search_fts`` (rowid = ``id``) on SQLite,
# a ``terms`` tsvector column with a GIN index on PostgreSQL; both made by migration 0018 only
# (neither is expressible here for both dialects). ``blind``: the terms are keyed hashes.
search_docs = Table(
    "search_docs",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("message_id", String(32), nullable=False, unique=True),
    Column("org_id", String(32), nullable=False),
    Column("conversation_id", String(32), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("sender_id", String(32), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("reply_to", String(32)),
    Column("has_file", Boolean, nullable=False, default=False),
    Column("has_image", Boolean, nullable=False, default=False),
    Column("has_link", Boolean, nullable=False, default=False),
    Column("has_voice", Boolean, nullable=False, default=False),
    Column("blind", Boolean, nullable=False, default=False),
    Index("ix_search_docs_conversation", "conversation_id", "created_at"),
    Index("ix_search_docs_org", "org_id", "id"),
)

# An organisation's own words for the Chinese segmenter (product names, jargon): admins edit them.
search_words = Table(
    "search_words",
    metadata,
    Column("org_id", String(32), ForeignKey("orgs.id"), primary_key=True),
    Column("word", String(32), primary_key=True),
)

# Each organisation's key for blind terms (HMAC-SHA256), stored only wrapped by the master key.
search_keys = Table(
    "search_keys",
    metadata,
    Column("org_id", String(32), ForeignKey("orgs.id"), primary_key=True),
    Column("wrapped", Text, nullable=False),  # base64 of nonce + AES-256-GCM(key) under the master key
    Column("master_key_id", String(16), nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

# A person's last searches run from the search box (``services/search.py``), newest kept; the query
# text is sealed at rest (``sealed_columns.py``): what people look for says as much as what they write.
search_recent = Table(
    "search_recent",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", String(32), ForeignKey("users.id"), nullable=False),
    Column("query", Text, nullable=False),
    Column("searched_at", BigInteger, nullable=False),
    Index("ix_search_recent_user", "user_id", "searched_at"),
)

# One sentence vector per message for semantic search (``services/semantic.py``), written by a
# durable consumer. ``version`` is the outbox position of the page that wrote the row: it only
# grows, in commit order, so each node reads what changed since its last look. ``vector`` NULL:
# the message was deleted or has nothing to embed any more (nodes drop it from memory). The
# vector is float16 little-endian in base64, sealed when encryption at rest is on (it reveals meaning).
search_vectors = Table(
    "search_vectors",
    metadata,
    Column("message_id", String(32), primary_key=True),
    Column("org_id", String(32), nullable=False),
    Column("conversation_id", String(32), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("vector", Text),
    Index("ix_search_vectors_org_version", "org_id", "version"),
)


# --- calendar (``services/calendar.py``) ---------------------------------------------------------
# An event: an interval of time (``start_at``..``end_at``, ms) with the IANA zone it was planned in.
# ``title``, ``description`` and ``location`` are sealed at rest (``sealed_columns.py``).
# ``idempotency_key``: the organiser's ``Idempotency-Key`` header of the create, so a retry finds it.
calendar_events = Table(
    "calendar_events",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("org_id", String(32), ForeignKey("orgs.id"), nullable=False),
    Column("organizer_id", String(32), ForeignKey("users.id"), nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("location", Text, nullable=False),
    Column("start_at", BigInteger, nullable=False),
    Column("end_at", BigInteger, nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("conversation_id", String(32)),
    Column("source_message_id", String(32)),
    Column("card_message_id", String(32)),
    Column("status", String(16), nullable=False),
    Column("reminders", String(64), nullable=False),  # JSON list of minutes before the start
    Column("idempotency_key", String(64)),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("organizer_id", "idempotency_key", name="uq_calendar_events_idempotency"),
    Index("ix_calendar_events_start", "start_at"),
)

# Who is invited (the organiser too, ``accepted`` from the start) and their answer.
calendar_attendees = Table(
    "calendar_attendees",
    metadata,
    Column("event_id", String(32), ForeignKey("calendar_events.id"), primary_key=True),
    Column("user_id", String(32), ForeignKey("users.id"), primary_key=True),
    Column("response", String(16), nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index("ix_calendar_attendees_user", "user_id", "event_id"),
)

# Reminders sent: one row per (event, attendee, minutes before), inserted in the transaction that
# appends the ``calendar.reminder`` user event, so each is sent once whichever node runs the job.
calendar_reminders = Table(
    "calendar_reminders",
    metadata,
    Column("event_id", String(32), ForeignKey("calendar_events.id"), primary_key=True),
    Column("user_id", String(32), primary_key=True),
    Column("minutes", Integer, primary_key=True),
    Column("sent_at", BigInteger, nullable=False),
)

# A person's secret calendar feed: the token is looked up by its SHA-256 (``token_hash``) and kept
# sealed (``token``) only so that its owner can be shown the URL again.
calendar_feeds = Table(
    "calendar_feeds",
    metadata,
    Column("user_id", String(32), ForeignKey("users.id"), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("token", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
)


# --- AI helpers: event hints (ai-extract) -----------------------------------------------------------
# The meeting time a message proposes (``services/event_hints.py``, a durable consumer): one row per
# message that has one, erased with the message or when an edit removes the time. No text is kept:
# the title is worked out again from the message (sealed at rest) and ``span_start``/``span_end``
# (where the time expression is in it); ``edited_at`` is the message version the hint was made
# from, so a reader never pairs a hint with a newer text. Times are UTC milliseconds.
event_hints = Table(
    "event_hints",
    metadata,
    Column("message_id", String(32), primary_key=True),
    Column("org_id", String(32), nullable=False),
    Column("conversation_id", String(32), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("sender_id", String(32), nullable=False),
    Column("edited_at", BigInteger),
    Column("start_at", BigInteger, nullable=False),
    Column("end_at", BigInteger, nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("all_day", Boolean, nullable=False),
    Column("span_start", Integer, nullable=False),
    Column("span_end", Integer, nullable=False),
    Column("participants", Text, nullable=False),  # JSON list of user ids: the sender first
    Column("updated_at", BigInteger, nullable=False),
    Index("ix_event_hints_conversation_seq", "conversation_id", "seq"),
)


# --- AI helpers: endpoints (ai-translate) -----------------------------------------------------
# An organisation's AI endpoint settings (Admin › AI, ``domain/ai_settings.py``): which provider
# translates and where the chat and LibreTranslate endpoints are (``config``, JSON). The API keys
# are sealed at rest (``sealed_columns.py``) and never returned; "" is no key.
ai_settings = Table(
    "ai_settings",
    metadata,
    Column("org_id", String(32), ForeignKey("orgs.id"), primary_key=True),
    Column("config", Text, nullable=False),
    Column("chat_api_key", Text, nullable=False, default=""),
    Column("translation_api_key", Text, nullable=False, default=""),
    Column("updated_at", BigInteger, nullable=False),
)


# --- smart replies (ai-replies) ---------------------------------------------------------------
# One learned (message → reply) pair per reply message (``services/smart_replies.py``), written by a
# durable consumer: the sentence vector of the message answered and the reply's words, both sealed at
# rest (they reveal what people wrote). ``version`` is the outbox position of the page that wrote the
# row (it only grows, in commit order: each node reads what changed since its last look); a NULL
# vector is a removal (a delete, an edit, retention) that nodes must forget. ``conversation_id``
# filters what a person may be suggested: only pairs of conversations they can read.
reply_pairs = Table(
    "reply_pairs",
    metadata,
    Column("reply_id", String(32), primary_key=True),
    Column("prompt_id", String(32), nullable=False),
    Column("org_id", String(32), nullable=False),
    Column("conversation_id", String(32), nullable=False),
    Column("lang", String(8), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("vector", Text),
    Column("reply_text", Text),
    Index("ix_reply_pairs_org_version", "org_id", "version"),
    Index("ix_reply_pairs_prompt", "prompt_id"),
)


# --- @axon reminders (asst-remind) ------------------------------------------------------------
# A person's reminder, set by asking the assistant (``services/assistant_remind.py``): what to be
# reminded of (``text``, sealed at rest like calendar titles), when (``due_at``, ms), the message
# it is about (nullable), the question that set it (``source_message_id``, unique per user: asking
# is idempotent) and the assistant's answer whose card shows its state. Delivered once
# (``delivered_at``) by the reminders job, or cancelled (``cancelled_at``).
reminders = Table(
    "reminders",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("org_id", String(32), ForeignKey("orgs.id"), nullable=False),
    Column("user_id", String(32), ForeignKey("users.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("due_at", BigInteger, nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("conversation_id", String(32)),
    Column("message_id", String(32)),
    Column("seq", BigInteger),
    Column("source_message_id", String(32), nullable=False),
    Column("answer_message_id", String(32), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("delivered_at", BigInteger),
    Column("cancelled_at", BigInteger),
    UniqueConstraint("user_id", "source_message_id", name="uq_reminders_source"),
    Index("ix_reminders_pending_due", "delivered_at", "cancelled_at", "due_at"),
    Index("ix_reminders_user_due", "user_id", "due_at"),
)
