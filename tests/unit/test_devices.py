"""Devices: the platform summary of a user agent, the status of a device, and when sightings are stored."""

from __future__ import annotations

import pytest

from axon.domain.devices import SIGHTING_EVERY_MS, DeviceStatus, Sightings, device_status, platform_of


@pytest.mark.parametrize(("user_agent", "platform"), [
    ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133 · Linux"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
     "Safari/537.36 Edg/131.0.0.0", "Edge 131 · Windows"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
     "Safari/537.36", "Chrome 131 · macOS"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.5 Mobile/15E148 Safari/604.1", "Safari 17 · iOS"),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile "
     "Safari/537.36", "Chrome 131 · Android"),
    ("python-httpx/0.28.1", "python-httpx 0.28.1"),
    ("", ""),
    ("\x00garbage", ""),
])
def test_a_user_agent_is_summarised_as_browser_and_system(user_agent: str, platform: str) -> None:
    assert platform_of(user_agent) == platform


def test_the_status_follows_revocation_wipe_order_and_confirmation() -> None:
    device = {"revoked_at": None, "wipe_requested_at": None, "wiped_at": None}
    assert device_status(device) is DeviceStatus.ACTIVE
    assert device_status({**device, "revoked_at": 5}) is DeviceStatus.REVOKED
    assert device_status({**device, "revoked_at": 5, "wipe_requested_at": 5}) is DeviceStatus.WIPE_PENDING
    assert device_status({**device, "revoked_at": 5, "wipe_requested_at": 5, "wiped_at": 9}) is DeviceStatus.WIPED


def test_a_device_is_stored_at_most_once_a_minute_unless_its_address_changes() -> None:
    sightings = Sightings()
    sightings.note("d_1", "10.0.0.1", 1_000)
    sightings.note("d_1", "10.0.0.1", 2_000)  # within the minute, same place: nothing new to store
    assert sightings.take(2_000) == {"d_1": (1_000, "10.0.0.1")}
    sightings.note("d_1", "10.0.0.1", 30_000)
    assert sightings.take(30_000) == {}
    sightings.note("d_1", "10.0.0.2", 31_000)  # moved: stored at once
    assert sightings.take(31_000) == {"d_1": (31_000, "10.0.0.2")}
    sightings.note("d_1", "10.0.0.2", 31_000 + SIGHTING_EVERY_MS)
    assert sightings.take(31_000 + SIGHTING_EVERY_MS) == {"d_1": (31_000 + SIGHTING_EVERY_MS, "10.0.0.2")}


def test_a_sighting_without_an_address_keeps_the_last_one() -> None:
    sightings = Sightings()
    sightings.note("d_1", "10.0.0.1", 0)
    sightings.note("d_1", "", SIGHTING_EVERY_MS)
    assert sightings.take(SIGHTING_EVERY_MS) == {"d_1": (SIGHTING_EVERY_MS, "10.0.0.1")}


def test_forgotten_entries_do_not_grow_without_bound() -> None:
    sightings = Sightings()
    for i in range(1000):
        sightings.note(f"d_{i}", "", 0)
    sightings.take(SIGHTING_EVERY_MS)
    assert sightings._stored == {}  # noqa: SLF001 - the memory bound is the point
