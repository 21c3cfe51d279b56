"""A small web site on loopback for the link preview tests: pages, pictures, redirects, a huge
body and a slow answer, each at its own path. It listens on 127.0.0.2 (still loopback) so that the
tests can allow exactly that address while 127.0.0.1 stays refused like every loopback address."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image

SITE_ADDRESS = "127.0.0.2"


def png(width: int, height: int, colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def page(title: str = "", head: str = "", body: str = "", charset: str = "utf-8") -> bytes:
    html = f"<!doctype html><html><head>{head}<title>{title}</title></head><body>{body}</body></html>"
    return html.encode(charset)


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    stream: Callable[[Callable[[bytes], None]], None] | None = None  # writes the body itself


@dataclass
class Site:
    url: str
    answers: dict[str, Answer]
    hits: dict[str, int]
    sent: dict[str, int]  # bytes written per path (a huge body must stop early)
    host_headers: list[str]
    targets: list[str]  # request targets as sent, query included

    def at(self, path: str, answer: Answer) -> str:
        self.answers[path] = answer
        return self.url + path

    def html(self, path: str, body: bytes, content_type: str = "text/html; charset=utf-8") -> str:
        return self.at(path, Answer(headers={"Content-Type": content_type}, body=body))

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        return self.at(path, Answer(status, {"Location": location}))


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 -- the standard library's name
            path = self.path.split("?")[0]
            site.hits[path] = site.hits.get(path, 0) + 1
            site.host_headers.append(self.headers.get("Host", ""))
            site.targets.append(self.path)
            answer = site.answers.get(path, Answer(404, {"Content-Type": "text/plain"}, b"no such page"))
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            if answer.stream is None:
                self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            try:
                if answer.stream is not None:
                    answer.stream(lambda chunk: self._write(path, chunk))
                else:
                    self._write(path, answer.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading: what the size limit is for

        def _write(self, path: str, chunk: bytes) -> None:
            self.wfile.write(chunk)
            site.sent[path] = site.sent.get(path, 0) + len(chunk)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def web_site() -> Iterator[Site]:
    site = Site("", {}, {}, {}, [], [])
    server = ThreadingHTTPServer((SITE_ADDRESS, 0), _handler(site))
    server.daemon_threads = True
    site.url = f"http://{SITE_ADDRESS}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="test-web-site", daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def huge(total: int, chunk: int = 64 * 1024) -> Callable[[Callable[[bytes], None]], None]:
    """A body of ``total`` bytes of HTML, written a chunk at a time (no Content-Length)."""

    def stream(write: Callable[[bytes], None]) -> None:
        write(b"<html><head><title>Huge</title></head><body>")
        for _ in range(total // chunk):
            write(b"<p>" + b"x" * (chunk - 7) + b"</p>\n")

    return stream


def slow(seconds: float) -> Callable[[Callable[[bytes], None]], None]:
    def stream(write: Callable[[bytes], None]) -> None:
        write(b"<html><head>")
        time.sleep(seconds)
        write(b"<title>Late</title></head></html>")

    return stream
