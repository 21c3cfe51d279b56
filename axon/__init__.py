"""Axon: a self-hosted team messaging server with guaranteed delivery."""

import os

# Numpy's BLAS on one thread unless the operator says otherwise, set before anything imports numpy.
# A node serves many searches at once on few cores (semantic search, docs/search.md): OpenBLAS's own
# threads then only spin against each other. On a busy 2-core machine a search over 10,000 vectors
# took 12.7 ms with them, 0.4 ms without.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
