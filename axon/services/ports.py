"""What services need from the outside world, besides the store, as ``Protocol``s.

The store is reached differently: services pass functions of ``axon.store`` to
``Core.read`` / ``Core.write``, which run them on a connection (typed ``Conn``,
opaque to services). Everything else a service calls out to is declared here,
and only the composition root (``axon/app.py``) knows the class behind it.

``MasterKey`` (wraps the organisations' data keys: a key file, the environment, or a KMS) is
declared in ``domain.sealing``, because the store's keyring unwraps with it too, and listed here
with the other ports.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from ..domain.event_times import ExtractedEvent as ExtractedEvent  # a meeting time found (pure, in the domain)
from ..domain.link_preview import FetchedPreview
from ..domain.media import MediaInfo
from ..domain.sealing import MasterKey as MasterKey  # the data keys' wrapper (declared in the domain)
from ..domain.search_terms import QueryTerm
from ..domain.sso import DirectoryUser, LdapConfig, OidcConfig


class Signals(Protocol):
    """Ephemeral, unsequenced notices (typing, receipts, presence): published, never stored."""

    def typing(self, conversation_id: str, user_id: str) -> None: ...

    def receipt(self, conversation_id: str, user_id: str, read_seq: int) -> None: ...

    def device_revoked(self, device_id: str, wipe: bool = False) -> None: ...

    def profile_changed(self, user_id: str, user: Any) -> None:
        """``user`` (the public ``protocol.rest.User``) reaches everyone following the user's presence."""
        ...


class BlobMissing(Exception):
    """No object is stored under the key asked for."""


class BlobStore(Protocol):
    """Opaque objects by key: where file contents live (``axon/blobs``: the local disk by default,
    an S3-compatible service for clusters).

    The store sees ciphertext only: encryption, content addressing and reference counting are the
    file service's. Keys are ``/``-separated segments of ``[a-z0-9_.-]`` (never ``..``), so every
    adapter can map them to paths or object names without escaping.
    """

    async def put_file(self, key: str, path: Path) -> None:
        """Publish the content of the local file ``path`` under ``key``, atomically: a reader sees
        no object (or the previous one) or the whole new one, never a part. ``path`` may be
        consumed (moved); the caller must not use it afterwards."""
        ...

    def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The object's bytes ``[start, end)`` (to the end when ``end`` is None), in chunks of at most
        1 MiB, so a reader's memory stays flat whatever the size. Raises ``BlobMissing``."""
        ...

    async def size(self, key: str) -> int | None:
        """The object's size in bytes, or None if there is none."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; removing a missing one is not an error."""
        ...

    def keys(self, prefix: str) -> AsyncIterator[str]:
        """Every key under ``prefix`` (for sweeping what nothing refers to any more)."""
        ...


class MediaAnalyser(Protocol):
    """Reads an upload's content (``axon/media``): real type, dimensions, duration, waveform,
    thumbnail. CPU-bound and synchronous: callers run it in a worker thread."""

    def analyse(self, path: Path, name: str, voice: bool) -> MediaInfo:
        """What ``path`` holds. ``name`` is the (already sanitised) file name, a hint only: the
        content decides. ``voice`` marks a recorded voice message, which must be audio. Raises
        ``MediaRefused`` for content refused outright (an image over the pixel limit, a voice
        message that is not audio)."""
        ...


# --- link previews (files-previews) -------------------------------------------------------------


class PreviewFetcher(Protocol):
    """Fetches what a web page says about itself (``axon/linkpreview``), never from an address that
    is not public (SSRF rules in ``docs/security.md``). Raises an exception when there is nothing
    to show (refused address, not HTML, unreachable, timeout...): callers treat any as "no preview"."""

    async def preview(self, url: str) -> FetchedPreview: ...


@dataclass(frozen=True, slots=True)
class IndexQuery:
    """What the keyword index is asked, every name already resolved and authorised by the search
    service (``services/search.py``): the index answers for ``conversation_ids`` and nothing else."""

    org_id: str
    conversation_ids: tuple[str, ...]  # readable by the searcher now
    terms: tuple[QueryTerm, ...] = ()  # each must match (by its term, or by all of its parts); () = filters only
    excluded: tuple[str, ...] = ()  # index terms that must not occur (``-word``)
    sender_ids: tuple[str, ...] = ()  # ``from:``: any of them
    after_ms: int | None = None  # created_at >= after_ms
    before_ms: int | None = None  # created_at < before_ms
    in_threads: bool = False  # ``is:thread``: thread replies, and roots that have replies
    has: frozenset[str] = frozenset()  # ``has:``: each of "file", "image", "link", "voice"
    mentioning: str | None = None  # ``mentions:me``: a user id mentioned by name (or by @all/@here)
    newest_first: bool = False  # sort by date instead of relevance
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True, slots=True)
class IndexHit:
    message_id: str
    conversation_id: str
    seq: int
    score: float  # higher is better; comparable only within one answer


class SearchIndex(Protocol):
    """Finding messages by words (``services/search_index.py``: SQLite FTS5 or PostgreSQL full text,
    over plain or blind terms). Callers authorise first: the index answers for the conversations
    it is given and checks nothing else."""

    async def search(self, query: IndexQuery) -> list[IndexHit]:
        """The best matches (or the newest, with ``newest_first``), ``offset`` skipped, at most ``limit``."""
        ...


@dataclass(frozen=True, slots=True)
class SemanticHit:
    message_id: str
    conversation_id: str
    similarity: float  # cosine, -1..1


class Embedder(Protocol):
    """Sentence vectors that put texts of the same meaning close together, across Chinese and
    English (``axon/embeddings``). Synchronous CPU work: callers run it in worker threads."""

    dimensions: int

    def embed(self, texts: list[str]) -> list[bytes]:
        """One unit-length float32 vector per text (little-endian, ``dimensions`` × 4 bytes)."""
        ...


class BackgroundEmbedder(Embedder, Protocol):
    """An ``Embedder`` holding a resource of its own (the indexer's child process): closed on shutdown."""

    def close(self) -> None:
        ...


class SemanticIndex(Protocol):
    """Nearest messages by meaning (``services/semantic.py``). Like ``SearchIndex``, it answers
    for the conversations it is given and authorises nothing."""

    enabled: bool  # False when the node runs without semantic search (then ``nearest`` finds nothing)

    async def nearest(self, org_id: str, conversation_ids: tuple[str, ...], text: str, limit: int) -> list[SemanticHit]:
        """The ``limit`` messages closest in meaning to ``text``, closest first."""
        ...


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    to: str
    subject: str
    text: str


class MailFailed(Exception):
    """The mail could not be handed to the SMTP server (or none is configured)."""


class Mailer(Protocol):
    """Outgoing e-mail (``axon.mail.smtp``)."""

    @property
    def configured(self) -> bool:
        """Can mail be sent at all? Features that need it are refused otherwise."""

    async def send(self, mail: OutgoingMail) -> None:
        """Hand ``mail`` to the SMTP server; raises ``MailFailed`` if that fails."""


class DirectoryUnavailable(Exception):
    """The directory or the identity provider could not be reached or refused the service account."""


class SsoRejected(Exception):
    """The identity provider's answer failed a check (state, nonce, signature, audience, expiry...).

    ``code`` is the stable error code shown to the person signing in."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class DirectoryReport:
    """What "Test connection" found: how many entries the user filter matches, and a few logins."""

    users: int
    sample: list[str]


class Directory(Protocol):
    """An LDAP directory (``axon.identity.ldap_directory``). Raises ``DirectoryUnavailable``."""

    async def test(self, config: LdapConfig, secret: str) -> DirectoryReport: ...

    async def authenticate(self, config: LdapConfig, secret: str, login: str, password: str) -> DirectoryUser | None:
        """The person whose entry ``login`` names, if ``password`` binds as that entry; else None."""
        ...

    async def people(self, config: LdapConfig, secret: str) -> list[DirectoryUser]:
        """Every entry the user filter matches under the base DN (for the sync)."""
        ...


class IdentityProvider(Protocol):
    """An OpenID Connect provider (``axon.identity.oidc_client``). Raises ``DirectoryUnavailable``
    when it cannot be reached and ``SsoRejected`` when its answer fails a check."""

    async def authorization_url(self, config: OidcConfig, redirect_uri: str, state: str, nonce: str,
                                code_verifier: str) -> str: ...

    async def sign_in(self, config: OidcConfig, secret: str, redirect_uri: str, code: str, code_verifier: str,
                      nonce: str, now_s: int) -> tuple[DirectoryUser, bool]:
        """Exchange the code and verify the ID token: the person, and whether their e-mail is verified."""
        ...


# --- AI helpers: meeting times (ai-extract) ------------------------------------------------------


class EventExtractor(Protocol):
    """Finds the meeting a chat message proposes (``axon/timeparse``: Recognizers-Text by default; a
    better parser replaces it behind this port, docs/ai/events.md). Synchronous CPU work: callers run
    it in a worker thread, never on the send path."""

    def warm(self) -> None:
        """Load what ``extract`` needs (models) now, once per process; ``extract`` would otherwise on
        first use. Blocking: callers run it in a worker thread."""
        ...

    def extract(self, text: str, now: datetime, lang_hint: str | None) -> ExtractedEvent | None:
        """The event ``text`` proposes, resolved against ``now`` (aware, in the sender's time zone;
        the result is in that zone), or None when it names no (future) meeting time. ``lang_hint``
        ("zh-CN", "en"…) helps when the text alone does not tell its language."""
        ...
