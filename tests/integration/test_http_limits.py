"""Unauthenticated clients cannot make the node hold memory or connections: bodies over the limit are
refused before they are read, and a request whose headers never finish is cut off."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.support.server import ServerProcess


@pytest.fixture(scope="module")
def strict_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    node = ServerProcess(tmp_path_factory.mktemp("strict"), env={"AXON_HEADER_TIMEOUT": "1"}).start()
    yield node
    node.stop()


def test_a_huge_login_body_is_refused_before_it_is_read(strict_node: ServerProcess) -> None:
    huge = b'{"login": "admin", "password": "' + b"x" * 10_000_000 + b'"}'
    response = httpx.post(strict_node.url + "/api/v1/auth/login", content=huge,
                          headers={"content-type": "application/json"}, timeout=30)
    assert response.status_code == 413 and response.json()["error"]["code"] == "body_too_large"
    assert response.headers["content-security-policy"]  # answered through the usual middleware


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(strict_node: ServerProcess) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"login": "admin", "password": "'
        for _ in range(200):  # 200 × 64 KiB, far more than the node may read
            yield b"x" * 65536
        yield b'"}'

    response = httpx.post(strict_node.url + "/api/v1/auth/login", content=chunks(),
                          headers={"content-type": "application/json"}, timeout=30)
    assert response.status_code == 413 and response.json()["error"]["code"] == "body_too_large"


def test_an_ordinary_body_still_works(strict_node: ServerProcess) -> None:
    response = httpx.post(strict_node.url + "/api/v1/auth/login", json={"login": "admin", "password": "wrong-pw"})
    assert response.status_code == 401


async def test_a_request_whose_headers_never_finish_is_closed(strict_node: ServerProcess) -> None:
    sockets = [await asyncio.open_connection("127.0.0.1", strict_node.port) for _ in range(20)]
    started = time.monotonic()
    for _, writer in sockets:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: axon\r\nX-Slow: ")  # and nothing more
        await writer.drain()
    answers = await asyncio.gather(*(asyncio.wait_for(reader.read(), 10) for reader, _ in sockets))
    assert all(answer.startswith(b"HTTP/1.1 408") for answer in answers)  # then EOF: read() returned
    assert time.monotonic() - started < 5
    for _, writer in sockets:
        writer.close()
    async with httpx.AsyncClient() as http:  # a prompt client is served as usual
        assert (await http.get(strict_node.url + "/healthz")).status_code == 200
