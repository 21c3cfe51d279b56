"""The offline gloss needs no network: the dictionary is in the wheel and nothing is fetched.

The proof runs the services (store, writer, the translation service with its default provider) in
a process inside a network namespace with no interfaces (``unshare -n``), as
``test_semantic_offline`` does. It does not skip: where the namespace cannot be made, it fails and says so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_gloss_runs_with_the_network_cut(tmp_path: Path) -> None:
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, text=True)
    assert probe.returncode == 0, f"unshare -n is needed to prove the offline gloss: {probe.stderr.strip()}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(["unshare", "-n", sys.executable, "-m", "tests.support.offline_translation", str(tmp_path)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"network_cut": True, "answer": {
        "text": "tomorrow afternoon hold a meeting, server demand escalate", "source_lang": "zh", "target": "en",
        "kind": "gloss", "provider": "gloss"}}
