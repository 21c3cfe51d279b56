"""Compatibility: the former name of ``protocol.client`` (and its dict ``error_frame``), still imported by
``axon.gateway`` until it moves to ``protocol.client`` / ``protocol.server``. Delete after that merge."""

from __future__ import annotations

from typing import Any

import msgspec

from .client import *  # noqa: F403
from .client import Frame, FrameError  # noqa: F401  (names the gateway uses, for linters)
from .server import error_frame as _error_frame


def error_frame(code: str, message: str, ref: str | None = None, send_id: str | None = None,
                details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``error`` frame as a dict, built from the one typed definition in ``protocol.server``."""
    frame: dict[str, Any] = msgspec.to_builtins(_error_frame(code, message, ref, send_id, details))
    return frame
