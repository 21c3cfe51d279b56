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

from dataclasses import dataclass
from typing import Any, Protocol

from ..domain.sealing import MasterKey as MasterKey  # the data keys' wrapper (declared in the domain)
from ..domain.sso import DirectoryUser, LdapConfig, OidcConfig


class Signals(Protocol):
    """Ephemeral, unsequenced notices (typing, receipts, presence): published, never stored."""

    def typing(self, conversation_id: str, user_id: str) -> None: ...

    def receipt(self, conversation_id: str, user_id: str, read_seq: int) -> None: ...

    def device_revoked(self, device_id: str, wipe: bool = False) -> None: ...

    def profile_changed(self, user_id: str, user: Any) -> None:
        """``user`` (the public ``protocol.rest.User``) reaches everyone following the user's presence."""
        ...


class BlobStore(Protocol):
    """File contents, addressed by what they contain.

    A declared slot, not yet used or implemented: the issue that adds file uploads
    fills it (local disk first, encrypted at rest; see the architecture note).
    """

    async def put(self, data: bytes) -> str:
        """Store ``data`` and return its address (the same bytes always get the same address)."""
        ...

    async def get(self, address: str) -> bytes: ...


class SearchIndex(Protocol):
    """Finding messages by words.

    A declared slot, not yet used or implemented: the issue that adds message search
    fills it. Callers authorise first: the index answers for the conversations it is given.
    """

    async def add(self, conversation_id: str, message_id: str, text: str) -> None: ...

    async def search(self, conversation_ids: list[str], query: str, limit: int) -> list[str]:
        """Ids of the best-matching messages in ``conversation_ids``, best first."""
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
