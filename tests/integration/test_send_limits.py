"""One person's sending is limited per user and per device, over REST and WebSocket together, and
across nodes through Redis; a refusal is 429 rate_limited with Retry-After (an error frame on a socket)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from axon.client import ApiError, RestApi
from tests.integration.test_multinode import REDIS_URL
from tests.integration.test_realtime import Raw
from tests.support.people import admin_rest, eventually, new_device, new_person
from tests.support.server import ServerProcess

SLOW = {"AXON_SEND_RATE_PER_USER": "0.01", "AXON_SEND_RATE_PER_DEVICE": "0.01"}
_ids = itertools.count()


@pytest.fixture(scope="module")
def limited_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    env = {**SLOW, "AXON_SEND_BURST_PER_USER": "8", "AXON_SEND_BURST_PER_DEVICE": "5"}
    node = ServerProcess(tmp_path_factory.mktemp("limited"), env=env).start()
    yield node
    node.stop()


async def send(rest, conv: str) -> str:
    try:
        await rest.send(conv, f"limit-{next(_ids)}", "hello")
    except ApiError as exc:
        return exc.code
    return "ok"


async def test_three_ways_in_share_one_budget(limited_node: ServerProcess) -> None:
    node = limited_node
    admin = await admin_rest(node.url)
    ann = await new_person(node.url, admin)
    conv = (await ann.rest.create_conversation("group", "Limits"))["id"]
    assert [await send(ann.rest, conv) for _ in range(6)] == ["ok"] * 5 + ["rate_limited"]  # this device: 5
    laptop = await new_device(node.url, ann)
    second = RestApi(node.url, laptop)
    assert [await send(second, conv) for _ in range(3)] == ["ok", "ok", "ok"]  # the user's 8 in all
    with pytest.raises(ApiError) as refused:
        await second.send(conv, "limit-over", "one too many")
    assert refused.value.status == 429 and refused.value.details["retry_after"] > 0
    raw, _ = await Raw.open(node, await new_device(node.url, ann))  # a socket of a third device
    await raw.send({"t": "send", "id": "ws-1", "conv": conv, "text": "over the socket"})
    error = await raw.until("error")
    assert (error["error"]["code"], error["id"]) == ("rate_limited", "ws-1")
    await raw.close()
    bob = await new_person(node.url, admin)  # someone else still sends
    assert await send(bob.rest, (await bob.rest.create_conversation("group", "Mine"))["id"]) == "ok"


WINDOW = 3600.0  # long, so that the whole test falls into one window of the cluster's count


@pytest.fixture
def two_limited_nodes(tmp_path: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    # The cluster allows a burst plus the rate over a window: 50 + 0.001 × 3600 = 53 here.
    env = {"AXON_SEND_RATE_PER_USER": "0.001", "AXON_SEND_RATE_PER_DEVICE": "0.001", "AXON_SEND_BURST_PER_USER": "50",
           "AXON_SEND_BURST_PER_DEVICE": "50", "AXON_REDIS_URL": REDIS_URL, "AXON_SEND_LIMIT_WINDOW": str(WINDOW)}
    first = ServerProcess(tmp_path / "a", env=env).start()
    url = first.database_url or f"sqlite:///{tmp_path / 'a' / 'axon.db'}"
    second = ServerProcess(tmp_path / "b", database_url=url, env=env).start()
    yield first, second
    first.stop()
    second.stop()


async def test_nodes_share_the_count_through_redis(two_limited_nodes: tuple[ServerProcess, ServerProcess]) -> None:
    a, b = two_limited_nodes
    left_in_window = WINDOW - time.time() % WINDOW
    if left_in_window < 60:  # the count starts again at the next window: begin the test in it
        await asyncio.sleep(left_in_window)
    admin = await admin_rest(a.url)
    ann = await new_person(a.url, admin)
    conv = (await ann.rest.create_conversation("group", "Cluster limits"))["id"]
    on_b = RestApi(b.url, await new_device(b.url, ann))
    # Each node alone would allow 50 (its burst); across both, 53 in the window is all there is.
    # 40 in all stays under that however late the nodes share (a loaded machine sends slowly).
    assert [await send(ann.rest, conv) for _ in range(20)] == ["ok"] * 20
    assert [await send(on_b, conv) for _ in range(20)] == ["ok"] * 20
    sent = {"a": 20, "b": 20}

    def refused_on(node: str, rest: RestApi) -> Callable[[], Awaitable[bool]]:
        async def refused() -> bool:
            if await send(rest, conv) == "ok":
                sent[node] += 1
                return False
            return True
        return refused

    # Each node learns the cluster's count at its next share (every 0.2 s) and refuses from then on,
    # while its own budget still has room: the cluster's count decided.
    await eventually(refused_on("b", on_b), timeout=15, every=0.1)
    await eventually(refused_on("a", ann.rest), timeout=15, every=0.1)
    assert sent["a"] < 50 and sent["b"] < 50, sent
