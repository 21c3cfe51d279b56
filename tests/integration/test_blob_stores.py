"""The ``BlobStore`` contract, run over both adapters: the local disk and S3 (a real S3-compatible server on
loopback, moto's server mode in a subprocess: tests/support/s3_server.py).

Each test says what the file service relies on: a put is all-or-nothing, reads honour ranges at every edge
in chunks of at most 1 MiB, a missing object is ``BlobMissing``, keys list by prefix across pages, and a key
outside the key alphabet is refused before any I/O.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from axon.blobs.s3 import S3BlobStore, S3Config
from axon.services.ports import BlobMissing, BlobStore
from tests.support.people import admin_rest, eventually
from tests.support.s3_server import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, S3Server
from tests.support.server import ServerProcess, free_port

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3Server]:
    server = S3Server().start()
    yield server
    server.stop()


@pytest.fixture
def bucket(s3_server: S3Server) -> str:
    return s3_server.create_bucket("axon-" + secrets.token_hex(6))


def s3_config(server: S3Server, bucket: str, **overrides: Any) -> S3Config:
    return S3Config(bucket=bucket, endpoint_url=server.endpoint, region=REGION, access_key_id=ACCESS_KEY_ID,
                    secret_access_key=SECRET_ACCESS_KEY, prefix="axon/", **overrides)


def s3_admin(server: S3Server) -> Any:
    """The bucket seen directly (as an operator would), not through the adapter."""
    return boto3.client("s3", endpoint_url=server.endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY_ID,
                        aws_secret_access_key=SECRET_ACCESS_KEY)


@pytest.fixture(params=["local", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    if request.param == "local":
        from axon.blobs.local import LocalBlobStore

        yield LocalBlobStore(tmp_path / "blobs")
        return
    server: S3Server = request.getfixturevalue("s3_server")
    s3 = S3BlobStore(s3_config(server, request.getfixturevalue("bucket")))
    yield s3
    await s3.close()


@pytest.fixture
def source(tmp_path: Path) -> Iterator[Any]:
    """Makes local files to put (``source(content)`` → a path holding it)."""
    folder = tmp_path / "incoming"
    folder.mkdir()

    def make(content: bytes) -> Path:
        path = folder / secrets.token_hex(8)
        path.write_bytes(content)
        return path

    yield make


async def read_all(store: BlobStore, key: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in store.read(key, start, end)])


async def all_keys(store: BlobStore, prefix: str) -> list[str]:
    return sorted([key async for key in store.keys(prefix)])


async def test_a_put_object_reads_back_whole_and_is_deleted(store: BlobStore, source: Any) -> None:
    content = os.urandom(300_000)
    await store.put_file("org1/ab/cdef", source(content))

    assert await read_all(store, "org1/ab/cdef") == content
    assert await store.size("org1/ab/cdef") == len(content)
    assert await all_keys(store, "org1/") == ["org1/ab/cdef"]

    await store.delete("org1/ab/cdef")
    assert await store.size("org1/ab/cdef") is None
    assert await all_keys(store, "org1/") == []
    await store.delete("org1/ab/cdef")  # deleting what is gone is not an error


async def test_an_empty_object_is_an_object(store: BlobStore, source: Any) -> None:
    await store.put_file("org1/empty", source(b""))

    assert await store.size("org1/empty") == 0
    assert await read_all(store, "org1/empty") == b""
    assert await read_all(store, "org1/empty", 0, 10) == b""


async def test_ranges_at_every_edge(store: BlobStore, source: Any) -> None:
    content = os.urandom(3 * MiB + 17)
    n = len(content)
    await store.put_file("org1/ranged", source(content))

    for start, end in [(0, None), (0, 1), (0, n), (1, n - 1), (n - 1, n), (n - 1, None), (MiB, 2 * MiB + 1),
                       (5, n + 1000), (0, 0), (n, n), (n, None), (n + 10, None), (7, 7)]:
        assert await read_all(store, "org1/ranged", start, end) == content[start:end], (start, end)


async def test_reads_come_in_chunks_of_at_most_one_mib(store: BlobStore, source: Any) -> None:
    content = os.urandom(3 * MiB + 5)
    await store.put_file("org1/chunked", source(content))

    chunks = [chunk async for chunk in store.read("org1/chunked")]

    assert b"".join(chunks) == content
    assert max(len(chunk) for chunk in chunks) <= MiB
    assert all(chunks)


async def test_a_missing_object_is_blob_missing(store: BlobStore) -> None:
    with pytest.raises(BlobMissing):
        await read_all(store, "org1/nothing")
    with pytest.raises(BlobMissing):
        await read_all(store, "org1/nothing", 10, 20)
    with pytest.raises(BlobMissing):
        await read_all(store, "org1/nothing", 0, 0)
    assert await store.size("org1/nothing") is None


async def test_a_put_replaces_the_object_whole(store: BlobStore, source: Any) -> None:
    await store.put_file("org1/same", source(b"old" * 1000))
    await store.put_file("org1/same", source(b"new!" * 500))

    assert await read_all(store, "org1/same") == b"new!" * 500
    assert await all_keys(store, "org1/") == ["org1/same"]


async def test_a_failed_put_leaves_nothing(store: BlobStore, tmp_path: Path) -> None:
    with pytest.raises(OSError):
        await store.put_file("org1/failed", tmp_path / "no-such-file")

    assert await store.size("org1/failed") is None
    assert await all_keys(store, "") == []


async def test_a_large_file_goes_up_whole_and_is_never_seen_half_written(store: BlobStore, source: Any) -> None:
    content = os.urandom(20 * MiB + 123)  # more than two 8 MiB parts on S3
    put = asyncio.create_task(store.put_file("org1/large", source(content)))
    seen: set[int | None] = set()
    while not put.done():  # a reader during the upload sees no object, never a part of one
        seen.add(await store.size("org1/large"))
    await put

    assert seen <= {None, len(content)}
    assert await store.size("org1/large") == len(content)
    digest = hashlib.sha256()
    async for chunk in store.read("org1/large"):
        digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha256(content).hexdigest()
    assert await read_all(store, "org1/large", 8 * MiB - 3, 8 * MiB + 3) == content[8 * MiB - 3:8 * MiB + 3]


async def test_keys_list_by_prefix(store: BlobStore, source: Any) -> None:
    for key in ["org1/ab/1", "org1/ab/2", "org1/abc/3", "org2/ab/4"]:
        await store.put_file(key, source(key.encode()))

    assert await all_keys(store, "org1/ab/") == ["org1/ab/1", "org1/ab/2"]
    assert await all_keys(store, "org1/") == ["org1/ab/1", "org1/ab/2", "org1/abc/3"]
    assert await all_keys(store, "") == ["org1/ab/1", "org1/ab/2", "org1/abc/3", "org2/ab/4"]
    assert await all_keys(store, "org3/") == []


BAD_KEYS = ["", "/org1/a", "org1/a/", "org1//a", "org1/../a", "..", ".", "org1/./a", "Org1/a", "org1/a b", "org1/é",
            "org1\\a", "org1/a\x00", "org1/a\n", "a" * 129, "/".join(["a" * 100] * 6)]


async def test_keys_outside_the_alphabet_are_refused(store: BlobStore, source: Any) -> None:
    path = source(b"x")
    for key in BAD_KEYS:
        with pytest.raises(ValueError):
            await store.put_file(key, path)
        with pytest.raises(ValueError):
            await read_all(store, key)
        with pytest.raises(ValueError):
            await store.size(key)
        with pytest.raises(ValueError):
            await store.delete(key)
    with pytest.raises(ValueError):
        await all_keys(store, "../")
    assert path.exists()
    assert await all_keys(store, "") == []


# S3 only: what the contract above cannot see from outside the adapter.

async def test_s3_sends_a_large_file_in_parts_and_leaves_no_upload_open(s3_server: S3Server, bucket: str,
                                                                        source: Any) -> None:
    store = S3BlobStore(s3_config(s3_server, bucket))
    try:
        await store.put_file("org1/large", source(os.urandom(20 * MiB)))
    finally:
        await store.close()

    admin = s3_admin(s3_server)
    assert admin.head_object(Bucket=bucket, Key="axon/org1/large")["ETag"].endswith('-3"')  # 8 + 8 + 4 MiB
    assert admin.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def sent_parts(admin: Any, bucket: str) -> list[Any]:
    uploads = admin.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    return [part for upload in uploads for part in
            admin.list_parts(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"]).get("Parts", [])]


async def test_s3_a_put_cancelled_mid_upload_is_aborted(s3_server: S3Server, bucket: str, source: Any) -> None:
    store = S3BlobStore(s3_config(s3_server, bucket))
    admin = s3_admin(s3_server)
    try:
        put = asyncio.create_task(store.put_file("org1/cancelled", source(os.urandom(40 * MiB))))
        await eventually(lambda: bool(sent_parts(admin, bucket)), every=0.005)  # a part is up, others going up
        put.cancel()
        with pytest.raises(asyncio.CancelledError):
            await put
    finally:
        await store.close()

    assert admin.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert admin.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


async def test_s3_a_put_failing_mid_upload_is_aborted(s3_server: S3Server, bucket: str, source: Any) -> None:
    store = S3BlobStore(s3_config(s3_server, bucket))
    admin = s3_admin(s3_server)
    path = source(os.urandom(40 * MiB))
    try:
        put = asyncio.create_task(store.put_file("org1/shrunk", path))
        await eventually(lambda: bool(sent_parts(admin, bucket)), every=0.005)
        os.truncate(path, 5 * MiB)  # the parts still to be read are no longer there
        with pytest.raises(OSError, match="changed while it was being stored"):
            await put
    finally:
        await store.close()

    assert admin.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert admin.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


async def test_s3_keys_follow_every_page_and_stay_under_the_prefix(s3_server: S3Server, bucket: str,
                                                                    source: Any) -> None:
    admin = s3_admin(s3_server)
    admin.put_object(Bucket=bucket, Key="other-app/org1/x", Body=b"not axon's")  # a shared bucket
    store = S3BlobStore(s3_config(s3_server, bucket, list_page_size=7))
    try:
        keys = [f"org1/k{i:03d}" for i in range(30)]
        await asyncio.gather(*(store.put_file(key, source(b"x")) for key in keys))

        assert await all_keys(store, "org1/") == keys  # five pages of at most 7
        assert await all_keys(store, "") == keys
    finally:
        await store.close()


async def test_s3_a_missing_bucket_is_an_error_not_a_missing_object(s3_server: S3Server) -> None:
    store = S3BlobStore(s3_config(s3_server, "no-such-bucket"))
    try:
        with pytest.raises(Exception) as raised:
            await store.size("org1/x")
        assert not isinstance(raised.value, BlobMissing)
    finally:
        await store.close()


# A node configured with S3: what an upload leaves in the bucket, seen directly.

@pytest.fixture
def s3_node(s3_server: S3Server, bucket: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """A node storing its files in ``bucket`` under the prefix ``axon/`` (made outside the test's event
    loop: on PostgreSQL it creates its database with ``asyncio.run``)."""
    node = ServerProcess(tmp_path / "node", env=s3_server.env(bucket, prefix="axon/")).start()
    yield node
    assert node.stop() in (0, -signal.SIGTERM)
    assert "Traceback" not in node.log()  # a clean shutdown, the S3 client closed with the node


async def test_a_node_on_s3_stores_uploads_there_sealed_and_serves_them_back(s3_server: S3Server, bucket: str,
                                                                              s3_node: ServerProcess,
                                                                              tmp_path: Path) -> None:
    node = s3_node
    admin = await admin_rest(node.url)
    try:
        conversation = await admin.create_conversation("group", "s3 files")
        content = os.urandom(9 * MiB + 7)  # two chunks: two staged parts, then the sealed blob
        (tmp_path / "report.bin").write_bytes(content)

        info = await admin.upload(conversation["id"], tmp_path / "report.bin")
        digest = await admin.download(info["id"], tmp_path / "back.bin")
        http = await admin._client()
        ranged = await http.get(f"/files/{info['id']}/content", headers={
            "Authorization": f"Bearer {admin.token}", "Range": f"bytes={8 * MiB - 5}-{8 * MiB + 4}"})

        assert info["size"] == len(content)
        assert digest == hashlib.sha256(content).hexdigest()
        assert (ranged.status_code, ranged.content) == (206, content[8 * MiB - 5:8 * MiB + 5])
        objects = s3_admin(s3_server).list_objects_v2(Bucket=bucket).get("Contents", [])
        names = [o["Key"] for o in objects]
        assert len(names) == 1 and names[0].startswith("axon/blobs/"), names  # the staged parts are gone
        stored = s3_admin(s3_server).get_object(Bucket=bucket, Key=names[0])["Body"].read()
        assert len(stored) > len(content) and content[:4096] not in stored  # sealed, not plain
        assert not [p for p in (tmp_path / "node" / "blobs").rglob("*") if p.is_file()]  # nothing on the disk

        cancelled = await admin.request("POST", f"/conversations/{conversation['id']}/uploads",
                                        {"name": "half.bin", "size": 2 * MiB})
        await admin.raw("PUT", f"/uploads/{cancelled['id']}", content=os.urandom(MiB), params={"offset": 0},
                        headers={"Content-Type": "application/octet-stream"})
        assert any("/staging/" in o["Key"] for o in
                   s3_admin(s3_server).list_objects_v2(Bucket=bucket).get("Contents", []))
        await admin.request("DELETE", f"/uploads/{cancelled['id']}")
        left = [o["Key"] for o in s3_admin(s3_server).list_objects_v2(Bucket=bucket).get("Contents", [])]
        assert left == names  # a cancelled upload's staged part is removed from the bucket
    finally:
        await admin.close()


def test_a_node_refuses_to_start_with_an_incomplete_s3_configuration(tmp_path: Path) -> None:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AXON_")}, "AXON_BLOB_STORE": "s3",
           "AXON_S3_ACCESS_KEY_ID": "key-id"}
    served = subprocess.run([sys.executable, "-m", "axon", "serve", "--port", str(free_port()), "--data-dir",
                             str(tmp_path / "data")], env=env, capture_output=True, text=True, timeout=60)

    assert served.returncode == 2
    assert "File storage: AXON_BLOB_STORE=s3 needs AXON_S3_BUCKET." in served.stderr
    assert "Traceback" not in served.stderr and not (tmp_path / "data").exists()
