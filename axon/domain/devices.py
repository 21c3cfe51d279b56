"""Devices: what a user agent says about a device, its wipe status, and when its sightings are worth storing."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

SIGHTING_EVERY_MS = 60_000  # a device's last-seen time and address are stored at most this often (unless it moves)

_BROWSERS = (  # order matters: Edge and Opera also say "Chrome", Chrome also says "Safari"
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/(\d+)")),
    ("Opera", re.compile(r"OPR/(\d+)")),
    ("Firefox", re.compile(r"(?:Firefox|FxiOS)/(\d+)")),
    ("Chrome", re.compile(r"(?:Chrome|CriOS)/(\d+)")),
    ("Safari", re.compile(r"Version/(\d+)[.\d]* (?:Mobile/\w+ )?Safari/")),
)
_SYSTEMS = (
    ("iOS", re.compile(r"iPhone|iPad|iPod")),
    ("Android", re.compile(r"Android")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Macintosh|Mac OS X")),
    ("ChromeOS", re.compile(r"CrOS")),
    ("Linux", re.compile(r"Linux|X11")),
)
_PROGRAM = re.compile(r"^([A-Za-z][\w.-]{0,40})/([\w.]{1,20})")  # "python-httpx/0.28.1", "curl/8.5.0"


def platform_of(user_agent: str | None) -> str:
    """A short, human summary of a User-Agent header: "Firefox 133 · Linux", "axon-python-sdk 1.0"."""
    ua = (user_agent or "")[:512]
    browser = next((f"{name} {m.group(1)}" for name, rx in _BROWSERS if (m := rx.search(ua))), None)
    system = next((name for name, rx in _SYSTEMS if rx.search(ua)), None)
    if browser:
        return f"{browser} · {system}" if system else browser
    program = _PROGRAM.match(ua)
    if program:
        return f"{program.group(1)} {program.group(2)}"
    return system or ""


class DeviceStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    WIPE_PENDING = "wipe_pending"  # ordered; the device has not confirmed (it may never come back)
    WIPED = "wiped"  # the device confirmed it cleared its local data


def device_status(row: dict[str, Any]) -> DeviceStatus:
    if row.get("wiped_at") is not None:
        return DeviceStatus.WIPED
    if row.get("wipe_requested_at") is not None:
        return DeviceStatus.WIPE_PENDING
    if row.get("revoked_at") is not None:
        return DeviceStatus.REVOKED
    return DeviceStatus.ACTIVE


class Sightings:
    """When and from where devices were last seen, kept in memory and stored in batches.

    Every authenticated request and connect notes its device here (a dict lookup: nothing on the hot
    path touches the database); a device is queued for storage when its last stored sighting is a
    minute old or it comes from another address. The node's chores take the queue and write it.
    """

    def __init__(self, every_ms: int = SIGHTING_EVERY_MS) -> None:
        self._every_ms = every_ms
        self._stored: dict[str, tuple[int, str]] = {}  # device id -> (ms, address) last queued
        self._pending: dict[str, tuple[int, str]] = {}

    def note(self, device_id: str, address: str, now_ms: int) -> None:
        last = self._stored.get(device_id)
        if last is None or now_ms - last[0] >= self._every_ms or (address and address != last[1]):
            self._stored[device_id] = self._pending[device_id] = (now_ms, address or (last[1] if last else ""))

    def take(self, now_ms: int) -> dict[str, tuple[int, str]]:
        """What to store now; entries older than the interval are forgotten (their next note queues anew)."""
        pending, self._pending = self._pending, {}
        self._stored = {d: s for d, s in self._stored.items() if now_ms - s[0] < self._every_ms}
        return pending
