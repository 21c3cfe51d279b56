"""Choosing the blob store from the settings: the local disk by default, S3 when configured completely,
and a clear refusal at start for an S3 configuration that cannot work."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from axon.blobs.factory import BlobStoreConfigError, build_blob_store, s3_config
from axon.blobs.s3 import S3BlobStore
from axon.config import Settings


def settings(**values: object) -> Settings:
    return Settings(**values)  # type: ignore[arg-type]


def test_the_local_disk_is_the_default(tmp_path: Path) -> None:
    from axon.blobs.local import LocalBlobStore

    assert isinstance(build_blob_store(settings(), tmp_path), LocalBlobStore)


def test_s3_with_a_bucket_and_keys(tmp_path: Path) -> None:
    store = build_blob_store(settings(blob_store="s3", s3_bucket="files", s3_endpoint="http://127.0.0.1:9000",
                                      s3_access_key_id="id", s3_secret_access_key=SecretStr("secret"),
                                      s3_prefix="axon/"), tmp_path)

    assert isinstance(store, S3BlobStore)
    assert (store.config.bucket, store.config.endpoint_url, store.config.prefix) == (
        "files", "http://127.0.0.1:9000", "axon/")
    assert (store.config.access_key_id, store.config.secret_access_key) == ("id", "secret")


def test_credentials_from_mounted_files(tmp_path: Path) -> None:
    (tmp_path / "id").write_text("key-id\n")
    (tmp_path / "secret").write_text("the secret\n")

    config = s3_config(settings(blob_store="s3", s3_bucket="files", s3_access_key_id_file=tmp_path / "id",
                                s3_secret_access_key_file=tmp_path / "secret"))

    assert (config.access_key_id, config.secret_access_key) == ("key-id", "the secret")


def test_no_credentials_leaves_them_to_the_aws_chain() -> None:
    config = s3_config(settings(blob_store="s3", s3_bucket="files"))

    assert (config.access_key_id, config.secret_access_key, config.endpoint_url) == (None, None, None)


@pytest.mark.parametrize(("values", "said"), [
    ({}, "AXON_S3_BUCKET"),
    ({"s3_bucket": "files", "s3_access_key_id": "id"}, "go together"),
    ({"s3_bucket": "files", "s3_secret_access_key": SecretStr("secret")}, "go together"),
    ({"s3_bucket": "files", "s3_prefix": "../up/"}, "AXON_S3_PREFIX"),
    ({"s3_bucket": "files", "s3_prefix": "Axon/"}, "AXON_S3_PREFIX"),
    ({"s3_bucket": "files", "s3_access_key_id_file": Path("/nonexistent/id"),
      "s3_secret_access_key": SecretStr("s")}, "AXON_S3_ACCESS_KEY_ID_FILE /nonexistent/id"),
])
def test_an_unusable_s3_configuration_is_refused_clearly(tmp_path: Path, values: dict[str, object],
                                                         said: str) -> None:
    with pytest.raises(BlobStoreConfigError, match=said):
        build_blob_store(settings(blob_store="s3", **values), tmp_path)


def test_the_secret_is_masked_in_config_show() -> None:
    shown = settings(blob_store="s3", s3_bucket="files", s3_secret_access_key=SecretStr("secret")).masked()

    assert shown["s3_secret_access_key"] == "********"
    assert shown["blob_store"] == "s3"
