"""JSON encoding for the wire: msgspec, one encoder, bytes out."""

from __future__ import annotations

from typing import Any

import msgspec

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


def encode(value: Any) -> bytes:
    return _encoder.encode(value)


def encode_str(value: Any) -> str:
    return _encoder.encode(value).decode("utf-8")


def decode(data: bytes | str) -> Any:
    return _decoder.decode(data)
