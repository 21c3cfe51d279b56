"""How the SDK trusts an https/wss server: the system's CAs, a CA file, or a pinned certificate.

A pin is the SHA-256 fingerprint of the server's certificate, as ``axon serve --tls-self-signed``
prints it. The certificate is fetched once without verification and compared with the pin before
anything is sent; then that very certificate becomes the only trust anchor of every connection
(hostname checks off: the pin names the server), so a different certificate presented later fails
the handshake. Nothing (no token) ever travels over a connection the pin did not approve.
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit


class CertificateMismatch(ssl.SSLError):
    """The server's certificate is not the pinned one."""


@dataclass(frozen=True)
class TrustOptions:
    ca_file: str | None = None  # PEM file of the CA (or the self-signed certificate) to trust
    fingerprint: str | None = None  # SHA-256 of the server certificate, hex, colons optional

    @property
    def pinned(self) -> str | None:
        return self.fingerprint.replace(":", "").strip().lower() if self.fingerprint else None


def fingerprint_of(der: bytes) -> str:
    """The SHA-256 fingerprint as ``axon serve`` prints it: upper-case hex pairs joined by colons."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


async def ssl_context(url: str, trust: TrustOptions) -> ssl.SSLContext | None:
    """The context to connect to ``url`` with; None for plain http/ws."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "wss"):
        return None
    if trust.pinned:
        der = await _peer_certificate(parts.hostname or "localhost", parts.port or 443)
        if hashlib.sha256(der).hexdigest() != trust.pinned:
            raise CertificateMismatch(f"the server's certificate is {fingerprint_of(der)}, not the pinned one")
        context = ssl.create_default_context(cadata=der)
        context.check_hostname = False
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN  # the pinned leaf itself is the anchor
        return context
    return ssl.create_default_context(cafile=trust.ca_file)


async def _peer_certificate(host: str, port: int) -> bytes:
    probe = ssl.create_default_context()
    probe.check_hostname = False
    probe.verify_mode = ssl.CERT_NONE  # only to read the certificate; it is checked against the pin next
    _, writer = await asyncio.open_connection(host, port, ssl=probe, server_hostname=host)
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    finally:
        writer.close()
    if not der:
        raise CertificateMismatch("the server presented no certificate")
    return bytes(der)
