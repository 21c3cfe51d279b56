"""The web client as an installable app: its static files with cache headers, and the service
worker with the app shell's version and file list filled in (see ``axon/web/sw.js``).

The shell is every file the client is made of (HTML, JS, CSS, icons, manifest, vendor code),
scanned once when the app is created. Its version is a hash of their paths and contents, so a
deploy that changes any of them changes ``/sw.js``; the browser then installs the new worker,
which fills a new cache and drops the old one.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Response
from starlette.responses import Response as StarletteResponse
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

SHELL_SUFFIXES = frozenset({".html", ".js", ".mjs", ".css", ".svg", ".png", ".webmanifest"})
WORKER = "sw.js"
# No file name carries a version, so code and pages are revalidated on every use (a 304 when
# unchanged); the service worker serves them from its cache anyway. Images change rarely.
REVALIDATE = "no-cache"
IMAGES = "public, max-age=86400"
# Not every system's MIME table knows these (StaticFiles asks the mimetypes module).
mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("text/javascript", ".mjs")


@dataclass(frozen=True)
class Shell:
    version: str
    urls: tuple[str, ...]  # "/" stands for index.html

    def worker_source(self, web_dir: Path) -> bytes:
        manifest = json.dumps({"version": self.version, "files": list(self.urls)}, separators=(",", ":"))
        return f"const SHELL = {manifest};\n".encode() + (web_dir / WORKER).read_bytes()


def scan_shell(web_dir: Path) -> Shell:
    digest = hashlib.sha256()
    urls = []
    for path in sorted(p for p in web_dir.rglob("*") if p.is_file() and p.suffix in SHELL_SUFFIXES):
        relative = path.relative_to(web_dir).as_posix()
        digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
        if relative != WORKER:
            urls.append("/" if relative == "index.html" else f"/{relative}")
    return Shell(version=digest.hexdigest()[:16], urls=tuple(urls))


def cache_control(path: str) -> str:
    return IMAGES if path.endswith((".png", ".svg")) else REVALIDATE


class WebFiles(StaticFiles):
    """StaticFiles with a Cache-Control header on every file it serves."""

    def file_response(self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope,
                      status_code: int = 200) -> StarletteResponse:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["cache-control"] = cache_control(str(full_path))
        return response


def install(app: FastAPI, web_dir: Path) -> None:
    """Serves the client at ``/`` and its service worker at ``/sw.js`` (a route, so it comes first)."""
    shell = scan_shell(web_dir)
    worker = shell.worker_source(web_dir)

    @app.get("/sw.js", include_in_schema=False)
    async def service_worker() -> Response:
        return Response(worker, media_type="text/javascript", headers={"cache-control": REVALIDATE})

    app.mount("/", WebFiles(directory=web_dir, html=True), name="web")
