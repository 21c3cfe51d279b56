"""Server frames written by the fast path must be exactly what a WebSocket client parses."""

from __future__ import annotations

import pytest
from websockets.client import ClientProtocol
from websockets.frames import Opcode
from websockets.protocol import State
from websockets.uri import parse_uri

from axon.api.fast_ws import text_frame_header


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 200_000])
def test_pre_framed_text_is_parsed_by_a_real_client(size: int) -> None:
    client = ClientProtocol(parse_uri("ws://example.test/"), max_size=None, state=State.OPEN)
    payload = ("é" * size).encode()[:size]
    payload = payload.decode("utf-8", "ignore").encode()
    client.receive_data(text_frame_header(len(payload)) + payload)
    [frame] = client.events_received()
    assert frame.opcode is Opcode.TEXT and frame.fin and frame.data == payload
