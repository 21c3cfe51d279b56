"""Open sign-up by e-mail domain creates nothing until the address is confirmed through a single-use
link, mailed by the organisation's SMTP server (a real one here: aiosmtpd on loopback)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from axon.client import ApiError, RestApi
from tests.support.mailbox import MailDrop, running_mail_drop
from tests.support.people import admin_rest
from tests.support.server import ServerProcess, free_port

PUBLIC_URL = "https://chat.corp.example"


@pytest.fixture(scope="module")
def inbox() -> Iterator[tuple[MailDrop, int]]:
    with running_mail_drop() as drop_and_port:
        yield drop_and_port


@pytest.fixture(scope="module")
def mailing_node(tmp_path_factory: pytest.TempPathFactory, inbox: tuple[MailDrop, int]) -> Iterator[ServerProcess]:
    env = {"AXON_SMTP_HOST": "127.0.0.1", "AXON_SMTP_PORT": str(inbox[1]), "AXON_SMTP_SECURITY": "none",
           "AXON_SMTP_FROM": "Axon <axon@corp.example>", "AXON_PUBLIC_URL": PUBLIC_URL}
    node = ServerProcess(tmp_path_factory.mktemp("mailing"), env=env).start()
    yield node
    node.stop()


def confirmation_token(mail: EmailMessage) -> str:
    body = mail.get_content()
    found = re.search(re.escape(PUBLIC_URL) + r"/#/confirm/([A-Za-z0-9_-]+)", body)
    assert found, body
    return found.group(1)


async def test_an_open_sign_up_is_an_account_only_once_its_mailed_link_is_opened(
        mailing_node: ServerProcess, inbox: tuple[MailDrop, int]) -> None:
    admin = await admin_rest(mailing_node.url)
    org = (await admin.request("PATCH", "/admin/org", {"signup_domains": ["corp.example"]}))["slug"]
    pending = await RestApi(mailing_node.url).request("POST", "/auth/signup", {
        "org": org, "email": "CEO@corp.example", "username": "ceo", "display_name": "The CEO",
        "password": "board-meeting-7"})
    assert pending["status"] == "confirmation_sent" and pending["email"] == "ceo@corp.example"
    assert "token" not in pending  # nothing to act with before the confirmation
    with pytest.raises(ApiError) as not_yet:
        await RestApi(mailing_node.url).login("ceo", "board-meeting-7")
    assert not_yet.value.code == "invalid_credentials"  # no account exists yet
    (mail,) = inbox[0].to("ceo@corp.example")
    assert mail["From"] == "Axon <axon@corp.example>" and "Confirm your e-mail" in mail["Subject"]
    token = confirmation_token(mail)

    session = await RestApi(mailing_node.url).request("POST", "/auth/confirm-email",
                                                      {"token": token, "device_name": "laptop"})
    assert session["user"]["username"] == "ceo" and session["user"]["email"] == "ceo@corp.example"
    # The account joined the default channels in the write that created it, like every new member.
    assert [c["name"] for c in await RestApi(mailing_node.url, session["token"]).conversations()] == ["general"]
    assert (await RestApi(mailing_node.url).login("ceo", "board-meeting-7"))["user"]["id"] == session["user"]["id"]
    with pytest.raises(ApiError) as reused:
        await RestApi(mailing_node.url).request("POST", "/auth/confirm-email", {"token": token})
    assert (reused.value.status, reused.value.code) == (410, "confirmation_invalid")


async def test_the_confirmation_mail_speaks_the_sign_ups_language_and_a_forged_link_fails(
        mailing_node: ServerProcess, inbox: tuple[MailDrop, int]) -> None:
    admin = await admin_rest(mailing_node.url)
    org = (await admin.request("PATCH", "/admin/org", {"signup_domains": ["corp.example"]}))["slug"]
    await RestApi(mailing_node.url).request("POST", "/auth/signup", {
        "org": org, "email": "wei@corp.example", "username": "zhangwei", "display_name": "张伟",
        "password": "spring-rain-42", "locale": "zh-CN"})
    (mail,) = inbox[0].to("wei@corp.example")
    assert "确认你的邮箱" in mail["Subject"] and "张伟" in mail.get_content()
    with pytest.raises(ApiError) as forged:
        await RestApi(mailing_node.url).request("POST", "/auth/confirm-email", {"token": "not-a-real-token"})
    assert forged.value.code == "confirmation_invalid"
    with pytest.raises(ApiError) as other_domain:
        await RestApi(mailing_node.url).request("POST", "/auth/signup", {
            "org": org, "email": "eve@evil.example", "username": "eve", "display_name": "Eve",
            "password": "spring-rain-43"})
    assert other_domain.value.code == "signup_not_allowed" and inbox[0].to("eve@evil.example") == []


@pytest.fixture
def unreachable_smtp_node(tmp_path: Path) -> Iterator[ServerProcess]:
    env = {"AXON_SMTP_HOST": "127.0.0.1", "AXON_SMTP_PORT": str(free_port()), "AXON_SMTP_SECURITY": "none",
           "AXON_PUBLIC_URL": PUBLIC_URL}  # nothing listens on that port
    node = ServerProcess(tmp_path / "node", env=env).start()
    yield node
    node.stop()


async def test_when_the_mail_cannot_be_sent_the_sign_up_says_so(unreachable_smtp_node: ServerProcess) -> None:
    node = unreachable_smtp_node
    admin = await admin_rest(node.url)
    org = (await admin.request("PATCH", "/admin/org", {"signup_domains": ["corp.example"]}))["slug"]
    with pytest.raises(ApiError) as failed:
        await RestApi(node.url).request("POST", "/auth/signup", {
            "org": org, "email": "cto@corp.example", "username": "cto", "display_name": "CTO",
            "password": "board-meeting-8"})
    assert (failed.value.status, failed.value.code) == (503, "email_unavailable")
