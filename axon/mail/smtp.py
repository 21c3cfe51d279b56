"""Sending e-mail through the organisation's SMTP server (aiosmtplib), or not at all.

``SmtpMailer`` opens a connection per message: Axon sends few mails (sign-up confirmations), and a
connection held open would only time out between them. ``NoMailer`` stands in when no SMTP server
is configured: features that need mail check ``configured`` and are refused with a clear error.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Literal

import aiosmtplib

from ..services.ports import MailFailed, OutgoingMail

log = logging.getLogger("axon.mail")

Security = Literal["starttls", "tls", "none"]


class SmtpMailer:
    configured = True

    def __init__(self, host: str, port: int, sender: str, *, username: str | None = None,
                 password: str | None = None, security: Security = "starttls", timeout: float = 30.0) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password = username, password
        self.security: Security = security
        self.timeout = timeout

    async def send(self, mail: OutgoingMail) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2].strip("> ") or None)
        message.set_content(mail.text)
        try:
            await aiosmtplib.send(message, hostname=self.host, port=self.port, username=self.username,
                                  password=self.password, use_tls=self.security == "tls",
                                  start_tls=self.security == "starttls", timeout=self.timeout)
        except (aiosmtplib.SMTPException, OSError) as exc:
            log.warning("could not send mail to %s through %s:%d: %s", mail.to, self.host, self.port, exc)
            raise MailFailed(str(exc)) from exc


class NoMailer:
    """No SMTP server configured: nothing can be sent."""

    configured = False

    async def send(self, mail: OutgoingMail) -> None:
        raise MailFailed("No SMTP server is configured (AXON_SMTP_HOST).")
