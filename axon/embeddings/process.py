"""An ``Embedder`` that runs another embedder in a low-priority child process (``axon/child.py``
says why and what it guarantees): the indexer's and the backfill's, so that embedding history never
holds the node's interpreter. Queries embed in the node (a few words: no pipe in their way)."""

from __future__ import annotations

from collections.abc import Callable

from ..child import NICENESS, ChildProcess
from ..services.ports import Embedder


class ProcessEmbedder:
    def __init__(self, build: Callable[[], Embedder], dimensions: int, niceness: int = NICENESS) -> None:
        """``build`` makes the embedder in the child: a module-level callable (pickled by name)."""
        self.dimensions = dimensions
        self._child = ChildProcess(build, niceness)

    def embed(self, texts: list[str]) -> list[bytes]:
        if not texts:
            return []
        vectors: list[bytes] = self._child.call("embed", texts)
        return vectors

    def close(self) -> None:
        self._child.close()
