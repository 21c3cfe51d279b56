"""docs/operations.md shows the nginx site exactly as deploy/nginx/axon.conf has it (the file the
nginx test runs), so the documentation cannot drift from what is tested."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_operations_guide_shows_the_tested_nginx_site_verbatim() -> None:
    blocks = re.findall(r"```nginx\n(.*?)```", (ROOT / "docs" / "operations.md").read_text(), flags=re.S)
    assert blocks == [(ROOT / "deploy" / "nginx" / "axon.conf").read_text()]
