"""A session's own background tasks: every one is tracked, and cancelled and awaited when it ends.

A session lives as long as its socket, not inside one ``async with`` block, so
instead of an ``asyncio.TaskGroup`` it keeps this set and ``close`` plays the
nursery's exit: cancel what is left and wait for it. A failing task never
cancels its siblings: each logs its own failure where it happens.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class TaskSet:
    __slots__ = ("_name", "_tasks")

    def __init__(self, name: str) -> None:
        self._name = name
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], job: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=f"{self._name}-{job}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def __len__(self) -> int:
        return len(self._tasks)

    async def close(self) -> None:
        """Cancel every task still running and wait until all have ended."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        # Outcomes no longer matter once the owner is gone; failures were logged where they happened.
        await asyncio.gather(*tasks, return_exceptions=True)
