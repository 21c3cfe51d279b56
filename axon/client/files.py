"""Files in the SDK: resumable uploads from a path, downloads to a path, sending with attachments.

``upload`` asks the server where an upload stands before every retry, so an upload cut by a lost
connection, a server restart or a killed client continues from the last chunk the server stored
(pass ``resume`` = the ``Upload`` id you got before, e.g. kept in a file). Chunks are read from the
file one at a time: memory stays flat for any size.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from .rest import RestApi

Json = dict[str, Any]
Progress = Callable[[int, int], None]  # (bytes the server has, total)


async def upload(api: RestApi, conversation_id: str, path: str | Path, *, voice: bool = False,
                 on_progress: Progress | None = None, resume: str | None = None, name: str | None = None,
                 mime: str | None = None, attempts: int = 5, on_started: Callable[[Json], None] | None = None) -> Json:
    """Upload the file at ``path`` into the conversation; returns its ``FileInfo``. ``resume``: the id
    of an upload started before for this file (it continues where the server stands)."""
    source = Path(path)
    size = (await asyncio.to_thread(source.stat)).st_size
    if resume is not None:
        state = await api.request("GET", f"/uploads/{resume}")
    else:
        state = await api.request("POST", f"/conversations/{conversation_id}/uploads",
                                  {"name": name or source.name, "size": size, "mime": mime, "voice": voice})
    if on_started is not None:
        on_started(state)
    failures = 0
    while state["file"] is None:
        offset = int(state["offset"])
        if on_progress is not None:
            on_progress(offset, size)
        try:
            state = await _put(api, state["id"], source, offset, int(state["chunk_size"]), size)
            failures = 0
        except (httpx.TransportError, _Retry):
            failures += 1
            if failures >= attempts:
                raise
            await asyncio.sleep(min(0.2 * 2 ** failures, 5.0))
            state = await api.request("GET", f"/uploads/{state['id']}")  # where does it stand now?
    if on_progress is not None:
        on_progress(size, size)
    return state["file"]  # type: ignore[no-any-return]


class _Retry(Exception):
    pass


async def _put(api: RestApi, upload_id: str, source: Path, offset: int, chunk_size: int, size: int) -> Json:
    from .rest import ApiError

    length = min(chunk_size, size - offset)
    data = await asyncio.to_thread(_read_at, source, offset, length)
    try:
        answer: Json = await api.raw("PUT", f"/uploads/{upload_id}", content=data, params={"offset": offset},
                                     headers={"Content-Type": "application/octet-stream"})
        return answer
    except ApiError as error:
        if error.code in ("upload_offset_mismatch", "upload_incomplete") or error.status >= 500:
            raise _Retry() from error
        raise


def _read_at(path: Path, offset: int, length: int) -> bytes:
    with open(path, "rb") as handle:
        handle.seek(offset)
        return handle.read(length)


async def download(api: RestApi, file_id: str, dest: str | Path, *, thumbnail: bool = False) -> str:
    """Save the file's content (or thumbnail) to ``dest`` (written to a temporary name, then renamed);
    returns its SHA-256."""
    target = Path(dest)
    temp = target.with_name(f".{target.name}.part")
    digest = hashlib.sha256()
    what = "thumbnail" if thumbnail else "content"
    async with api.stream("GET", f"/files/{file_id}/{what}") as response:
        with open(temp, "wb") as out:  # noqa: ASYNC230 - local writes of at most one network chunk
            async for chunk in response.aiter_bytes():
                digest.update(chunk)
                out.write(chunk)
    os.replace(temp, target)
    return digest.hexdigest()
