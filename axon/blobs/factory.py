"""Which ``BlobStore`` a node uses, from its settings: the local disk (default) or an S3-compatible service.

Only the composition root calls this; services see the ``BlobStore`` port.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Settings
from ..services.ports import BlobStore

if TYPE_CHECKING:
    from .s3 import S3Config


class BlobStoreConfigError(ValueError):
    """The settings do not describe a usable store (said before the node serves anything)."""


def build_blob_store(settings: Settings, data_dir: Path) -> BlobStore:
    """The store ``settings.blob_store`` names: ``<data_dir>/blobs`` on this disk, or the S3 bucket."""
    # Imported here: a node on its local disk never loads aiobotocore (and aiohttp) at all.
    if settings.blob_store == "s3":
        from .s3 import S3BlobStore

        return S3BlobStore(s3_config(settings))
    from .local import LocalBlobStore

    return LocalBlobStore(data_dir / "blobs")


async def close_blob_store(store: BlobStore) -> None:
    """Let go of the store's connections at shutdown (the S3 client's; the local disk holds none)."""
    close = getattr(store, "close", None)
    if close is not None:
        await close()


def s3_config(settings: Settings) -> S3Config:
    from . import check_key
    from .s3 import S3Config

    if not settings.s3_bucket:
        raise BlobStoreConfigError("AXON_BLOB_STORE=s3 needs AXON_S3_BUCKET")
    if settings.s3_prefix:
        try:
            check_key(settings.s3_prefix, prefix=True)
        except ValueError:
            raise BlobStoreConfigError(f"AXON_S3_PREFIX {settings.s3_prefix!r}: only lower-case letters, digits, "
                                       "'_', '.', '-' and '/'-separated segments (e.g. axon/)") from None
    secret = settings.s3_secret_access_key.get_secret_value() if settings.s3_secret_access_key else None
    key_id = _given("AXON_S3_ACCESS_KEY_ID", settings.s3_access_key_id, settings.s3_access_key_id_file)
    secret = _given("AXON_S3_SECRET_ACCESS_KEY", secret, settings.s3_secret_access_key_file)
    if (key_id is None) != (secret is None):
        raise BlobStoreConfigError("AXON_S3_ACCESS_KEY_ID and AXON_S3_SECRET_ACCESS_KEY go together "
                                   "(or neither, for the AWS credential chain)")
    return S3Config(bucket=settings.s3_bucket, endpoint_url=settings.s3_endpoint or None, region=settings.s3_region,
                    access_key_id=key_id, secret_access_key=secret, prefix=settings.s3_prefix,
                    addressing_style=settings.s3_addressing_style)


def _given(name: str, value: str | None, file: Path | None) -> str | None:
    """The value of ``name``, or the content of ``<name>_FILE`` (a mounted secret), without the final newline."""
    if value:
        return value
    if file is None:
        return None
    try:
        return file.read_text(encoding="utf-8").strip() or None
    except OSError as exc:
        raise BlobStoreConfigError(f"{name}_FILE {file}: {exc.strerror or exc}") from None
