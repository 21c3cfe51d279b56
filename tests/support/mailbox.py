"""A real SMTP server on loopback (aiosmtpd) that keeps every mail it accepts, for the tests of
features that send mail (sign-up confirmation, and later notifications)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.server import free_port


class MailDrop:
    """The mailbox of an SMTP server: every message it accepted, in arrival order.

    aiosmtpd delivers on its own thread, so arrivals are guarded by a condition the tests wait on."""

    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        with self._arrived:
            self.mails.append(message_from_bytes(envelope.content, policy=email_policy.default))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """Every mail accepted so far for ``address``."""
        with self._arrived:
            return [m for m in self.mails if m["To"] == address]

    def wait_for(self, to: str, timeout: float = 10) -> EmailMessage:
        """The first mail to ``to``, waiting until it arrives."""
        with self._arrived:
            assert self._arrived.wait_for(lambda: any(m["To"] == to for m in self.mails), timeout), f"no mail to {to}"
            return next(m for m in self.mails if m["To"] == to)


@contextmanager
def running_mail_drop() -> Iterator[tuple[MailDrop, int]]:
    """An SMTP server on a free loopback port for the duration of the block: (its mailbox, its port)."""
    drop = MailDrop()
    controller = Controller(drop, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield drop, controller.port
    finally:
        controller.stop()
