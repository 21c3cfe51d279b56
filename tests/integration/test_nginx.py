"""The documented reverse-proxy setup, for real: Debian's nginx runs deploy/nginx/axon.conf in front of
a node (AXON_TRUSTED_PROXIES=127.0.0.1). REST and a WebSocket session go through it over TLS, the node
sees the client's own address, HSTS comes back, plain HTTP is redirected, bodies are bounded."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

import httpx
import pytest

from axon.client import RestApi
from tests.support.nginx import NginxProcess
from tests.support.people import two_people_exchange_a_message
from tests.support.server import ADMIN_PASSWORD, ServerProcess

CLIENT_ADDRESS = "127.0.0.2"  # the client's own loopback address; nginx reaches the node from 127.0.0.1


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, NginxProcess]]:
    node = ServerProcess(tmp_path_factory.mktemp("node"), env={"AXON_TRUSTED_PROXIES": "127.0.0.1"}).start()
    nginx = NginxProcess(tmp_path_factory.mktemp("nginx"), node.port).start()
    yield node, nginx
    nginx.stop()
    node.stop()


def client_of(nginx: NginxProcess) -> httpx.Client:
    trust = ssl.create_default_context(cafile=nginx.ca_file)
    return httpx.Client(base_url=nginx.url, verify=trust, transport=httpx.HTTPTransport(
        verify=trust, local_address=CLIENT_ADDRESS))


async def test_rest_and_a_websocket_session_work_through_nginx(proxied: tuple[ServerProcess, NginxProcess]) -> None:
    _, nginx = proxied
    admin = RestApi(nginx.url, ca_file=str(nginx.ca_file))
    await admin.login("admin", ADMIN_PASSWORD)
    # wss://…/api/v1/ws, upgraded by nginx; the message arrives live through it
    await two_people_exchange_a_message(nginx.url, admin, "via nginx", ca_file=str(nginx.ca_file))
    await admin.close()


def test_the_node_sees_the_clients_address_and_answers_with_hsts(proxied: tuple[ServerProcess, NginxProcess]) -> None:
    _, nginx = proxied
    with client_of(nginx) as http:
        login = http.post("/api/v1/auth/login", json={"login": "admin", "password": ADMIN_PASSWORD})
        assert login.status_code == 200
        assert login.headers["strict-transport-security"] == "max-age=31536000"
        token = login.json()["token"]
        devices = http.get("/api/v1/me/devices", headers={"Authorization": f"Bearer {token}"}).json()
    this = next(d for d in devices if d["current"])
    assert this["last_address"] == CLIENT_ADDRESS  # X-Forwarded-For, believed from the trusted proxy only


def test_plain_http_is_redirected_to_https(proxied: tuple[ServerProcess, NginxProcess]) -> None:
    _, nginx = proxied
    response = httpx.get(f"http://127.0.0.1:{nginx.http_port}/api/v1/org")
    assert response.status_code == 301 and response.headers["location"].startswith("https://")


def announced_body_answer(nginx: NginxProcess, length: int) -> bytes:
    """The first bytes nginx answers to headers announcing a body of ``length`` bytes (none is sent:
    a proxy that refuses by the announced size answers at once, and no upload races the answer)."""
    context = ssl.create_default_context(cafile=nginx.ca_file)
    with socket.create_connection(("127.0.0.1", nginx.https_port), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        tls.sendall(b"PUT /api/v1/me/avatar HTTP/1.1\r\nHost: axon.example.com\r\n"
                    b"Content-Type: image/png\r\nContent-Length: %d\r\n\r\n" % length)
        return tls.recv(64)


def test_bodies_are_bounded_as_the_node_bounds_them(proxied: tuple[ServerProcess, NginxProcess]) -> None:
    _, nginx = proxied
    assert announced_body_answer(nginx, 6 * 1024 * 1024).startswith(b"HTTP/1.1 413")  # refused before it is sent
    with client_of(nginx) as http:
        large = http.post("/api/v1/auth/login", content=b'{"login": "' + b"x" * 100_000 + b'"}',
                          headers={"Content-Type": "application/json"})
        assert large.status_code == 413 and large.json()["error"]["code"] == "body_too_large"  # the node's shape
        token = http.post("/api/v1/auth/login", json={"login": "admin", "password": ADMIN_PASSWORD}).json()["token"]
        picture = http.put("/api/v1/me/avatar", content=b"not an image" * 10_000,
                           headers={"Authorization": f"Bearer {token}", "Content-Type": "image/png"})
        assert picture.json()["error"]["code"] == "invalid_image"  # 120 kB: through nginx to the node


def test_a_file_goes_up_in_8_mib_chunks_and_comes_back_with_range_through_nginx(
        proxied: tuple[ServerProcess, NginxProcess]) -> None:
    import os

    _, nginx = proxied
    data = os.urandom(8 * 1024 * 1024 + 1000)
    with client_of(nginx) as http:
        token = http.post("/api/v1/auth/login", json={"login": "admin", "password": ADMIN_PASSWORD}).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        conv = http.post("/api/v1/conversations", json={"kind": "group", "name": "Via nginx", "member_ids": []},
                         headers=auth).json()
        upload = http.post(f"/api/v1/conversations/{conv['id']}/uploads", json={"name": "big.bin", "size": len(data)},
                           headers=auth).json()
        first = http.put(f"/api/v1/uploads/{upload['id']}", params={"offset": 0}, content=data[:8 * 1024 * 1024],
                         headers=auth)
        assert first.status_code == 200, first.text
        done = http.put(f"/api/v1/uploads/{upload['id']}", params={"offset": 8 * 1024 * 1024},
                        content=data[8 * 1024 * 1024:], headers=auth).json()
        part = http.get(f"/api/v1/files/{done['file']['id']}/content", headers={**auth, "Range": "bytes=-1000"})
        assert part.status_code == 206 and part.content == data[-1000:]
