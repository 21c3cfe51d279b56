"""The ``BlobStore`` port on an S3-compatible object store (AWS S3, MinIO, Ceph RGW, Garage, ...), with
``aiobotocore``: what a cluster of nodes shares instead of one node's disk.

Atomicity comes from S3 itself: a ``PutObject`` and a ``CompleteMultipartUpload`` publish the whole
object at once (readers see the previous object, or none, until then). A file over 16 MiB goes up
in parts of 8 MiB, two at a time, each read from the local file when it is sent, so memory stays
bounded whatever the size; if anything fails (or the caller is cancelled) the multipart upload
is aborted, so its parts neither show nor linger. Reads are ranged ``GetObject`` requests streamed
in chunks of at most 1 MiB.

The client is made on first use (on the running event loop) and closed by ``close()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import ClientError

from ..services.ports import BlobMissing
from . import check_key

log = logging.getLogger(__name__)

READ_CHUNK = 1024 * 1024  # the port's promise: chunks of at most 1 MiB
PART_SIZE = 8 * 1024 * 1024  # the smallest part sent (S3's own minimum is 5 MiB)
# Up to this size one PutObject (the bytes in memory once): an upload's staged chunks (8 MiB and the
# vault's few bytes of framing) then go up in one request rather than as two parts and three more calls.
SINGLE_PUT_MAX = 16 * 1024 * 1024
MAX_PARTS = 10_000  # S3's limit on the parts of one object
PARTS_IN_FLIGHT = 2  # parts sent at once: at most this many parts' bytes in memory

_MISSING = {"NoSuchKey", "404", "NotFound"}


@dataclass(frozen=True, slots=True)
class S3Config:
    """Where the objects live. ``prefix`` (e.g. ``"axon/"``) lets Axon share a bucket; credentials left
    None fall back to botocore's usual chain (``AWS_*`` variables, an instance role...)."""

    bucket: str
    endpoint_url: str | None = None
    region: str = "us-east-1"
    access_key_id: str | None = None
    secret_access_key: str | None = None
    prefix: str = ""
    addressing_style: Literal["path", "virtual", "auto"] = "path"
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    list_page_size: int = 1000  # keys per ListObjectsV2 answer (1000 is S3's most)
    # A download holds one connection while its client reads (botocore's default pool is 10: the 11th
    # concurrent download would wait for the first to finish).
    max_connections: int = 64


class S3BlobStore:
    """Objects named ``prefix + key`` in one bucket (which must exist: Axon never creates buckets)."""

    def __init__(self, config: S3Config, part_size: int = PART_SIZE) -> None:
        if config.prefix:
            check_key(config.prefix, prefix=True)
        if part_size < 5 * 1024 * 1024:
            raise ValueError("S3 refuses parts under 5 MiB")
        self.config = config
        self.part_size = part_size
        self._client: Any = None
        self._exits = contextlib.AsyncExitStack()
        self._opening = asyncio.Lock()

    async def _s3(self) -> Any:
        if self._client is None:
            async with self._opening:
                if self._client is None:
                    self._client = await self._exits.enter_async_context(self._new_client())
        return self._client

    def _new_client(self) -> Any:
        c = self.config
        aio_config = AioConfig(
            s3={"addressing_style": c.addressing_style},
            retries={"mode": "standard", "max_attempts": 3},
            connect_timeout=c.connect_timeout, read_timeout=c.read_timeout, max_pool_connections=c.max_connections,
            # Only the checksums every S3-compatible service knows (Content-MD5 where S3 requires one):
            # the newer CRC trailers are refused by some of them.
            request_checksum_calculation="when_required", response_checksum_validation="when_required",
        )
        return get_session().create_client(
            "s3", region_name=c.region, endpoint_url=c.endpoint_url, aws_access_key_id=c.access_key_id,
            aws_secret_access_key=c.secret_access_key, config=aio_config)

    async def close(self) -> None:
        """Close the HTTP connections (the store can be used again afterwards: it reconnects)."""
        async with self._opening:
            await self._exits.aclose()
            self._client = None

    def _name(self, key: str) -> str:
        return self.config.prefix + check_key(key)

    async def put_file(self, key: str, path: Path) -> None:
        name = self._name(key)
        size = (await asyncio.to_thread(path.stat)).st_size
        if size <= max(SINGLE_PUT_MAX, self.part_size):
            body = await asyncio.to_thread(_read_part, path, 0, size)
            await (await self._s3()).put_object(Bucket=self.config.bucket, Key=name, Body=body)
        else:
            await self._put_in_parts(name, path, size)
        await asyncio.to_thread(path.unlink, missing_ok=True)  # consumed, as the local store's rename consumes it

    async def _put_in_parts(self, name: str, path: Path, size: int) -> None:
        s3 = await self._s3()
        bucket = self.config.bucket
        upload_id = (await s3.create_multipart_upload(Bucket=bucket, Key=name))["UploadId"]
        try:
            parts = await self._send_parts(s3, name, upload_id, path, size)
            await s3.complete_multipart_upload(Bucket=bucket, Key=name, UploadId=upload_id,
                                               MultipartUpload={"Parts": parts})
        except BaseException:
            # Shielded: a cancelled put still aborts, so no part is left behind (billed, or listed).
            await asyncio.shield(self._abort(s3, name, upload_id))
            raise

    async def _send_parts(self, s3: Any, name: str, upload_id: str, path: Path, size: int) -> list[dict[str, Any]]:
        part_size = max(self.part_size, math.ceil(size / MAX_PARTS))
        count = math.ceil(size / part_size)
        etags: list[str] = [""] * count
        slots = asyncio.Semaphore(PARTS_IN_FLIGHT)

        async def send(index: int) -> None:
            async with slots:
                offset = index * part_size
                body = await asyncio.to_thread(_read_part, path, offset, min(part_size, size - offset))
                answer = await s3.upload_part(Bucket=self.config.bucket, Key=name, UploadId=upload_id,
                                              PartNumber=index + 1, Body=body)
                etags[index] = answer["ETag"]

        try:
            async with asyncio.TaskGroup() as group:
                for index in range(count):
                    group.create_task(send(index), name=f"s3-part-{index + 1}")
        except BaseExceptionGroup as failed:  # the first failure, as a single put would raise it
            raise failed.exceptions[0] from None
        return [{"PartNumber": i + 1, "ETag": etag} for i, etag in enumerate(etags)]

    async def _abort(self, s3: Any, name: str, upload_id: str) -> None:
        try:
            await s3.abort_multipart_upload(Bucket=self.config.bucket, Key=name, UploadId=upload_id)
        except Exception:  # the original failure matters more; the bucket's lifecycle rule is the backstop
            log.warning("could not abort the multipart upload %s of %s", upload_id, name, exc_info=True)

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        name = self._name(key)
        if start < 0 or (end is not None and end < start):
            raise ValueError(f"invalid range [{start}, {end})")
        s3 = await self._s3()
        if end == start:  # S3 cannot express an empty range
            if await self.size(key) is None:
                raise BlobMissing(key)
            return
        ranged = {"Range": f"bytes={start}-{'' if end is None else end - 1}"} if start or end is not None else {}
        try:
            answer = await s3.get_object(Bucket=self.config.bucket, Key=name, **ranged)
        except ClientError as e:
            if _code(e) in _MISSING:
                raise BlobMissing(key) from e
            if _code(e) == "InvalidRange" and await self.size(key) is not None:
                return  # starts at or past the end: nothing, as a slice past the end is empty
            raise
        async with answer["Body"] as body:
            while chunk := await body.read(READ_CHUNK):
                yield chunk

    async def size(self, key: str) -> int | None:
        s3 = await self._s3()
        try:
            head = await s3.head_object(Bucket=self.config.bucket, Key=self._name(key))
        except ClientError as e:
            if _code(e) not in _MISSING:
                raise
            # A HEAD's 404 has no body to say whether the object or the whole bucket is missing: a
            # misconfigured bucket must fail loudly, not look like an empty store.
            await s3.head_bucket(Bucket=self.config.bucket)
            return None
        return int(head["ContentLength"])

    async def delete(self, key: str) -> None:
        await (await self._s3()).delete_object(Bucket=self.config.bucket, Key=self._name(key))

    async def keys(self, prefix: str) -> AsyncIterator[str]:
        base = self.config.prefix
        pages = (await self._s3()).get_paginator("list_objects_v2").paginate(
            Bucket=self.config.bucket, Prefix=base + check_key(prefix, prefix=True),
            PaginationConfig={"PageSize": self.config.list_page_size})
        async for page in pages:
            for item in page.get("Contents", ()):
                yield item["Key"][len(base):]


def _read_part(path: Path, offset: int, length: int) -> bytes:
    """``length`` bytes of ``path`` from ``offset``; ``OSError`` if there are fewer (the file shrank under
    the put: a short last part would otherwise complete as a shorter object)."""
    with path.open("rb") as fh:
        fh.seek(offset)
        data = fh.read(length)
        if len(data) != length:
            raise OSError(f"{path} changed while it was being stored")
        return data


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
