"""A small, real model server for the tests: LibreTranslate-compatible ``POST /translate`` and
OpenAI-compatible ``POST /v1/chat/completions``, over HTTP on a loopback port (uvicorn in a thread).

Its answers are deterministic fakes (``fake_translation``: a handful of words swapped from a small
dictionary, behind a ``⟦target⟧`` mark), so a test can tell exactly what came back and from where.
The chat endpoint translates when the system prompt asks for a translation and otherwise answers
through ``chat_reply`` (the assistant's tests set their own).

Switches (``behaviour``, reset with ``reset()``): ``"ok"``; ``"fail"`` answers HTTP 500; ``"timeout"``
holds the request for ``hang_seconds`` before answering; ``"garbage"`` answers 200 with something
that is not JSON; ``"empty"`` answers 200 with JSON that lacks the API's fields (``{}``).
``api_key``, when set, is required (else 403 from ``/translate``, as LibreTranslate answers, and 401
from the chat endpoint). Every request is kept in ``requests`` (path, JSON body, Authorization
header) so tests can check what was sent.

Usage: ``with model_stub() as stub: stub.url ...`` (tests share one per module or session).
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.support.server import free_port

Behaviour = Literal["ok", "fail", "timeout", "garbage", "empty"]

# The stub's whole "model": a few words each way.
WORDS = {"明天": "tomorrow", "下午": "afternoon", "开会": "meeting", "服务器": "server", "你好": "hello",
         "谢谢": "thanks", "发布": "release"}
_TO_CHINESE = {english: chinese for chinese, english in WORDS.items()}


def fake_translation(text: str, target: str) -> str:
    """``⟦target⟧`` and the text with the dictionary's words swapped into the target language."""
    if target.lower().startswith("zh"):
        swapped = re.sub(r"[A-Za-z]+", lambda m: _TO_CHINESE.get(m.group(0).lower(), m.group(0)), text)
    else:
        swapped = text
        for chinese, english in WORDS.items():
            swapped = swapped.replace(chinese, f" {english} ")
        swapped = re.sub(r"\s+", " ", swapped).strip()
    return f"⟦{target}⟧ {swapped}"


def _chat_target(system: str) -> str | None:
    """The target language named by a translation prompt ("Translate ... into English."), else None."""
    found = re.search(r"[Tt]ranslat\w* .*?into ([A-Z][A-Za-z ]+?)[.:]", system)
    if found is None:
        return None
    return "zh-CN" if "Chinese" in found.group(1) else "en" if found.group(1) == "English" else found.group(1)


def echo_reply(messages: list[dict[str, Any]]) -> str:
    return "stub reply: " + str(messages[-1].get("content", "")) if messages else "stub reply"


@dataclass
class ModelStub:
    port: int = field(default_factory=free_port)
    behaviour: Behaviour = "ok"
    hang_seconds: float = 5.0
    api_key: str | None = None
    chat_reply: Callable[[list[dict[str, Any]]], str] = echo_reply
    requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        self.behaviour, self.api_key, self.chat_reply = "ok", None, echo_reply
        self.requests.clear()

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> ModelStub:
        app = Starlette(routes=[Route("/translate", self.translate, methods=["POST"]),
                                Route("/v1/chat/completions", self.chat, methods=["POST"])])
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                     lifespan="off", timeout_graceful_shutdown=1))
        self._thread = threading.Thread(target=self._server.run, name="model-stub", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise TimeoutError("the model stub did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)

    # --- endpoints --------------------------------------------------------------------------

    async def _misbehave(self, request: Request, body: Any) -> Response | None:
        """The answer the switches call for instead of a real one (None: answer normally)."""
        self.requests.append({"path": request.url.path, "json": body,
                              "authorization": request.headers.get("authorization")})
        if self.behaviour == "timeout":
            await asyncio.sleep(self.hang_seconds)
        if self.behaviour == "fail":
            return JSONResponse({"error": "the stub was told to fail"}, status_code=500)
        if self.behaviour == "garbage":
            return PlainTextResponse("<html>not json</html>")
        if self.behaviour == "empty":
            return JSONResponse({})
        return None

    async def translate(self, request: Request) -> Response:
        body = await request.json()
        refusal = await self._misbehave(request, body)
        if refusal is not None:
            return refusal
        if self.api_key is not None and body.get("api_key") != self.api_key:
            return JSONResponse({"error": "Invalid API key"}, status_code=403)
        source = "zh" if re.search(r"[\u4e00-\u9fff]", body["q"]) else "en"
        return JSONResponse({"translatedText": fake_translation(body["q"], body["target"]),
                             "detectedLanguage": {"language": source, "confidence": 90.0}})

    async def chat(self, request: Request) -> Response:
        body = await request.json()
        refusal = await self._misbehave(request, body)
        if refusal is not None:
            return refusal
        if self.api_key is not None and request.headers.get("authorization") != f"Bearer {self.api_key}":
            return JSONResponse({"error": {"message": "Incorrect API key"}}, status_code=401)
        messages = body.get("messages") or []
        system = " ".join(m["content"] for m in messages if m.get("role") == "system")
        target = _chat_target(system)
        content = (fake_translation(messages[-1]["content"], target) if target is not None
                   else self.chat_reply(messages))
        return JSONResponse({"id": "chatcmpl-stub", "object": "chat.completion", "model": body.get("model"),
                             "choices": [{"index": 0, "finish_reason": "stop",
                                          "message": {"role": "assistant", "content": content}}],
                             "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}})


@contextmanager
def model_stub() -> Iterator[ModelStub]:
    stub = ModelStub().start()
    try:
        yield stub
    finally:
        stub.stop()
