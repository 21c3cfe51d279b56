"""The REST half of the SDK: one method per endpoint, errors raised as ``ApiError``."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from . import files
from .tls import TrustOptions, ssl_context

Json = dict[str, Any]


class ApiError(Exception):
    """An error answer from the server: ``status``, stable ``code`` and human ``message``."""

    def __init__(self, status: int, code: str, message: str, details: Json | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}


def _raise_for_error(response: httpx.Response) -> None:
    if response.status_code >= 400:
        try:
            error = response.json()["error"]
        except (ValueError, KeyError, TypeError):
            error = {"code": "http_error", "message": response.text[:200]}
        raise ApiError(response.status_code, error.get("code", "?"), error.get("message", ""), error.get("details"))


class SecondFactorRequired(Exception):
    """The password was right, but the sign-in needs one more step (no token yet).

    ``step`` is ``second_factor_required`` (call ``RestApi.complete_login`` with a TOTP or recovery
    code) or ``enrolment_required`` (the organisation requires 2FA: ``enrol_at_sign_in`` then
    ``confirm_enrolment_at_sign_in``); ``challenge`` is the opaque, short-lived ticket for it.
    """

    def __init__(self, answer: Json) -> None:
        super().__init__(f"sign-in needs another step: {answer['status']}")
        self.step: str = answer["status"]
        self.challenge: str = answer["challenge"]
        self.expires_at: str = answer["expires_at"]


class RestApi:
    """``ca_file`` or ``fingerprint`` (SHA-256 of the server certificate) for an https server whose
    certificate the system does not trust, e.g. one made by ``axon serve --tls-self-signed``."""

    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 30.0,
                 ca_file: str | None = None, fingerprint: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.trust = TrustOptions(ca_file, fingerprint)
        self._timeout = timeout
        self._http: httpx.AsyncClient | None = None
        self._context: ssl.SSLContext | None = None
        self._opening = asyncio.Lock()

    async def tls_context(self) -> ssl.SSLContext | None:
        """The TLS context of this server, made once (a pin is checked then, before anything is sent);
        the real-time connection uses it too."""
        if self._context is None:
            self._context = await ssl_context(self.base_url, self.trust)
        return self._context

    async def _client(self) -> httpx.AsyncClient:
        async with self._opening:
            if self._http is None:
                context = await self.tls_context()
                self._http = httpx.AsyncClient(base_url=self.base_url + "/api/v1", timeout=self._timeout,
                                               verify=context if context is not None else True)
            return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    async def request(self, method: str, path: str, body: Json | None = None, params: Json | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        http = await self._client()
        response = await http.request(method, path, json=body, params=clean, headers=headers)
        _raise_for_error(response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def raw(self, method: str, path: str, *, content: bytes, params: Json | None = None,
                  headers: dict[str, str] | None = None) -> Any:
        """A request with a raw body (an upload's chunk); JSON answer, errors as ``ApiError``."""
        auth = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        http = await self._client()
        response = await http.request(method, path, content=content, params=params, headers={**auth, **(headers or {})})
        _raise_for_error(response)
        return response.json() if response.content else None

    @contextlib.asynccontextmanager
    async def stream(self, method: str, path: str, params: Json | None = None) -> AsyncIterator[httpx.Response]:
        """A streamed answer (a download), its status checked before the body is read."""
        auth = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        http = await self._client()
        async with http.stream(method, path, params=params, headers=auth) as response:
            if response.status_code >= 400:
                await response.aread()
                _raise_for_error(response)
            yield response

    # --- files -------------------------------------------------------------------

    async def upload(self, conversation_id: str, path: str | Path, voice: bool = False,
                     on_progress: Callable[[int, int], None] | None = None, **options: Any) -> Json:
        """Upload a file (chunked, resumable: see ``axon.client.files.upload``); its ``FileInfo``."""
        return await files.upload(self, conversation_id, path, voice=voice, on_progress=on_progress, **options)

    async def download(self, file_id: str, dest: str | Path, thumbnail: bool = False) -> str:
        """Save a file to ``dest``; returns its SHA-256."""
        return await files.download(self, file_id, dest, thumbnail=thumbnail)

    async def file(self, file_id: str) -> Json:
        return await self.request("GET", f"/files/{file_id}")  # type: ignore[no-any-return]

    async def file_urls(self, file_ids: list[str]) -> Json:
        return await self.request("POST", "/files/urls", {"ids": file_ids})  # type: ignore[no-any-return]

    async def conversation_files(self, conversation_id: str, **filters: Any) -> Json:
        return await self.request("GET", f"/conversations/{conversation_id}/files",  # type: ignore[no-any-return]
                                  params=filters)

    # --- account -----------------------------------------------------------------

    async def login(self, login: str, password: str, org: str | None = None, device_name: str = "python-sdk",
                    code: str | None = None) -> Json:
        """Sign in; with 2FA on, ``code`` (TOTP or recovery code) completes it in the same call, and without
        it ``SecondFactorRequired`` carries the challenge for ``complete_login``."""
        answer: Json = await self.request("POST", "/auth/login", {"login": login, "password": password, "org": org,
                                                                  "device_name": device_name})
        if "challenge" in answer:
            if code is None or answer["status"] != "second_factor_required":
                raise SecondFactorRequired(answer)
            return await self.complete_login(answer["challenge"], code, device_name)
        self.token = answer["token"]
        return answer

    async def complete_login(self, challenge: str, code: str, device_name: str = "python-sdk") -> Json:
        session: Json = await self.request("POST", "/auth/login/second-factor",
                                           {"challenge": challenge, "code": code, "device_name": device_name})
        self.token = session["token"]
        return session

    async def enrol_at_sign_in(self, challenge: str) -> Json:
        """The organisation requires 2FA: a new TOTP secret (``secret``, ``otpauth_uri``, ``qr_svg``)."""
        return await self.request("POST", "/auth/two-factor/enrol", {"challenge": challenge})  # type: ignore

    async def confirm_enrolment_at_sign_in(self, challenge: str, code: str, device_name: str = "python-sdk") -> Json:
        """Answers ``{"session", "recovery_codes"}``; the session's token is kept."""
        answer: Json = await self.request("POST", "/auth/two-factor/enrol/confirm",
                                          {"challenge": challenge, "code": code, "device_name": device_name})
        self.token = answer["session"]["token"]
        return answer

    async def two_factor(self) -> Json:
        return await self.request("GET", "/me/two-factor")  # type: ignore[no-any-return]

    async def begin_totp(self) -> Json:
        return await self.request("POST", "/me/two-factor/totp")  # type: ignore[no-any-return]

    async def confirm_totp(self, code: str) -> list[str]:
        """Turns 2FA on; answers the recovery codes (shown only once)."""
        return (await self.request("POST", "/me/two-factor/totp/confirm", {"code": code}))["recovery_codes"]  # type: ignore

    async def regenerate_recovery_codes(self, password: str) -> list[str]:
        answer = await self.request("POST", "/me/two-factor/recovery-codes", {"password": password})
        return answer["recovery_codes"]  # type: ignore[no-any-return]

    async def disable_two_factor(self, password: str, code: str) -> None:
        await self.request("POST", "/me/two-factor/disable", {"password": password, "code": code})

    async def signup(self, **fields: Any) -> Json:
        session: Json = await self.request("POST", "/auth/signup", fields)
        self.token = session["token"]
        return session

    async def logout(self) -> None:
        await self.request("POST", "/auth/logout")

    async def me(self) -> Json:
        return await self.request("GET", "/me")  # type: ignore[no-any-return]

    async def update_me(self, **changes: Any) -> Json:
        return await self.request("PATCH", "/me", changes)  # type: ignore[no-any-return]

    async def devices(self) -> list[Json]:
        return await self.request("GET", "/me/devices")  # type: ignore[no-any-return]

    async def revoke_device(self, device_id: str) -> None:
        await self.request("DELETE", f"/me/devices/{device_id}")

    async def revoke_other_devices(self) -> int:
        return int((await self.request("POST", "/me/devices/revoke-others"))["revoked"])

    async def wipe_device(self, device_id: str) -> Json:
        """Order one of own devices to wipe its local data (it is revoked at once)."""
        return await self.request("POST", f"/me/devices/{device_id}/wipe")  # type: ignore[no-any-return]

    async def confirm_wipe(self) -> None:
        """Tell the server this device wiped its local data; the token is dead afterwards."""
        await self.request("POST", "/auth/wiped")
        self.token = None

    async def users(self, q: str = "", cursor: str | None = None, limit: int = 50) -> Json:
        return await self.request("GET", "/users", params={"q": q, "cursor": cursor, "limit": limit})  # type: ignore

    # --- conversations -----------------------------------------------------------

    async def conversations(self) -> list[Json]:
        return await self.request("GET", "/conversations")  # type: ignore[no-any-return]

    async def create_conversation(self, kind: str, name: str, member_ids: list[str] | None = None,
                                  topic: str = "") -> Json:
        body = {"kind": kind, "name": name, "topic": topic, "member_ids": member_ids or []}
        return await self.request("POST", "/conversations", body)  # type: ignore[no-any-return]

    async def direct(self, user_id: str) -> Json:
        return await self.request("POST", "/conversations/direct", {"user_id": user_id})  # type: ignore

    async def conversation(self, conversation_id: str) -> Json:
        return await self.request("GET", f"/conversations/{conversation_id}")  # type: ignore[no-any-return]

    async def join(self, conversation_id: str) -> Json:
        return await self.request("POST", f"/conversations/{conversation_id}/join")  # type: ignore

    async def leave(self, conversation_id: str) -> None:
        await self.request("POST", f"/conversations/{conversation_id}/leave")

    async def add_members(self, conversation_id: str, user_ids: list[str]) -> list[str]:
        return await self.request("POST", f"/conversations/{conversation_id}/members",  # type: ignore
                                  {"user_ids": user_ids})

    async def remove_member(self, conversation_id: str, user_id: str) -> None:
        await self.request("DELETE", f"/conversations/{conversation_id}/members/{user_id}")

    async def members(self, conversation_id: str) -> list[Json]:
        return await self.request("GET", f"/conversations/{conversation_id}/members")  # type: ignore

    # --- messages ----------------------------------------------------------------

    async def send(self, conversation_id: str, client_msg_id: str, text: str, reply_to: str | None = None,
                   attachments: list[str] | None = None) -> Json:
        body: Json = {"client_msg_id": client_msg_id, "text": text, "reply_to": reply_to}
        if attachments:
            body["attachments"] = attachments
        return await self.request("POST", f"/conversations/{conversation_id}/messages", body)  # type: ignore

    async def forward(self, conversation_id: str, client_msg_id: str, source_conversation_id: str,
                      source_seq: int) -> Json:
        """Forward the message at (source conversation, seq) into ``conversation_id``."""
        body = {"client_msg_id": client_msg_id,
                "forward_of": {"conversation_id": source_conversation_id, "seq": source_seq}}
        return await self.request("POST", f"/conversations/{conversation_id}/messages", body)  # type: ignore

    async def history(self, conversation_id: str, before_seq: int | None = None, limit: int = 50) -> Json:
        return await self.request("GET", f"/conversations/{conversation_id}/messages",  # type: ignore
                                  params={"before_seq": before_seq, "limit": limit})

    async def messages_around(self, conversation_id: str, seq: int, limit: int = 50) -> Json:
        """The top-level messages around ``seq`` (a reply's seq: around its root), ascending: where a
        search result opens. ``next_before_seq``/``next_after_seq`` page outwards."""
        return await self.request("GET", f"/conversations/{conversation_id}/messages",  # type: ignore
                                  params={"around_seq": seq, "limit": limit})

    async def messages_after(self, conversation_id: str, after_seq: int, limit: int = 50) -> Json:
        """Top-level messages after ``after_seq``, ascending (paging forward from a window)."""
        return await self.request("GET", f"/conversations/{conversation_id}/messages",  # type: ignore
                                  params={"after_seq": after_seq, "limit": limit})

    # --- search ------------------------------------------------------------------

    async def search(self, q: str, *, mode: str | None = None, sort: str | None = None, limit: int | None = None,
                     cursor: str | None = None, record: bool = False) -> Json:
        """``SearchResults`` for ``q`` (the query language of docs/search.md)."""
        params = {"q": q, "mode": mode, "sort": sort, "limit": limit, "cursor": cursor,
                  "record": "true" if record else None}
        return await self.request("GET", "/search", params=params)  # type: ignore[no-any-return]

    async def search_suggest(self, q: str) -> Json:
        return await self.request("GET", "/search/suggest", params={"q": q})  # type: ignore[no-any-return]

    async def recent_searches(self) -> list[Json]:
        return await self.request("GET", "/search/recent")  # type: ignore[no-any-return]

    async def clear_recent_searches(self) -> None:
        await self.request("DELETE", "/search/recent")

    async def events(self, conversation_id: str, after_seq: int = 0, limit: int = 500) -> Json:
        return await self.request("GET", f"/conversations/{conversation_id}/events",  # type: ignore
                                  params={"after_seq": after_seq, "limit": limit})

    async def edit(self, conversation_id: str, message_id: str, text: str) -> Json:
        return await self.request("PATCH", f"/conversations/{conversation_id}/messages/{message_id}",  # type: ignore
                                  {"text": text})

    async def delete(self, conversation_id: str, message_id: str) -> None:
        await self.request("DELETE", f"/conversations/{conversation_id}/messages/{message_id}")

    async def react(self, conversation_id: str, message_id: str, emoji: str, add: bool = True) -> None:
        path = f"/conversations/{conversation_id}/messages/{message_id}/reactions/{quote(emoji, safe='')}"
        await self.request("PUT" if add else "DELETE", path)

    async def pin(self, conversation_id: str, message_id: str, pinned: bool = True) -> None:
        await self.request("PUT" if pinned else "DELETE", f"/conversations/{conversation_id}/messages/{message_id}/pin")

    async def thread(self, conversation_id: str, message_id: str) -> Json:
        return await self.request("GET", f"/conversations/{conversation_id}/messages/{message_id}/thread")  # type: ignore

    async def receipts(self, conversation_id: str, message_id: str) -> Json:
        return await self.request("GET",  # type: ignore[no-any-return]
                                  f"/conversations/{conversation_id}/messages/{message_id}/receipts")

    async def mark_read(self, conversation_id: str, seq: int) -> Json:
        return await self.request("POST", f"/conversations/{conversation_id}/read", {"seq": seq})  # type: ignore

    async def read_all(self) -> list[Json]:
        return await self.request("POST", "/me/read-all", {})  # type: ignore[no-any-return]

    # --- preferences and drafts (the same on every device) ----------------------------

    async def preferences(self) -> Json:
        return await self.request("GET", "/me/preferences")  # type: ignore[no-any-return]

    async def update_preferences(self, base_version: int, **changes: Any) -> Json:
        return await self.request("PATCH", "/me/preferences",  # type: ignore[no-any-return]
                                  {"base_version": base_version, **changes})

    async def drafts(self) -> list[Json]:
        return await self.request("GET", "/me/drafts")  # type: ignore[no-any-return]

    async def put_draft(self, conversation_id: str, text: str, thread_root: str | None = None) -> Json | None:
        return await self.request("PUT", f"/conversations/{conversation_id}/draft",  # type: ignore[no-any-return]
                                  {"text": text, "thread_root": thread_root})

    async def delete_draft(self, conversation_id: str, thread_root: str | None = None) -> None:
        params = {"thread_root": thread_root} if thread_root else None
        await self.request("DELETE", f"/conversations/{conversation_id}/draft", params=params)

    # --- admin -------------------------------------------------------------------

    async def admin_create_user(self, username: str, display_name: str, password: str, **extra: Any) -> Json:
        body = {"username": username, "display_name": display_name, "password": password, **extra}
        return await self.request("POST", "/admin/users", body)  # type: ignore[no-any-return]

    async def create_invite(self, max_uses: int | None = None, expires_in_hours: float | None = None) -> Json:
        return await self.request("POST", "/admin/invites", {"max_uses": max_uses,  # type: ignore
                                                             "expires_in_hours": expires_in_hours})
