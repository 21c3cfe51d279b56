"""Adapters behind the ``BlobStore`` port of ``services/ports.py``: where file contents live.

``local`` keeps objects on the node's disk under the data folder (the default, one node or a
shared filesystem); ``s3`` an S3-compatible service (clusters). They store what they are given
(the file service encrypts before, ``services/vault.py``) and validate keys so that no key can
name anything outside their root. Only the composition root (``axon/app.py``) builds them.
"""

from __future__ import annotations

import re

# A key: "/"-separated segments of [a-z0-9_.-], none empty, none "." or "..".
_SEGMENT = re.compile(r"[a-z0-9_.-]{1,128}")
MAX_KEY_CHARS = 512


def check_key(key: str, *, prefix: bool = False) -> str:
    """``key`` if it is a valid object key (``prefix``: may be empty or end with "/"); else ValueError."""
    body = key[:-1] if prefix and key.endswith("/") else key
    if prefix and body == "":
        return key
    if not isinstance(key, str) or len(key) > MAX_KEY_CHARS:
        raise ValueError("invalid blob key")
    for segment in body.split("/"):
        if not _SEGMENT.fullmatch(segment) or segment in (".", ".."):
            raise ValueError(f"invalid blob key {key!r}")
    return key
