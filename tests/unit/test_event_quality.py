"""Meeting-time extraction floors on the written set (``tests/ai_corpus/events.json``;
``python -m bench ai-events`` prints the whole table, latency and memory): every sentence through the
product's extractor, exact-minute accuracy per language, tuned and held-out apart.

Floors sit below what was measured (bench/results/ai-events.json, docs/ai/events.md), so that a
regression fails and a better parser passes; the held-out sentences were never tuned on."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from bench.ai_events import SET_PATH, run

# set → (exact-minute floor, measured): docs/ai/events.md "Accuracy"
FLOORS = {"zh-tuned": (0.9, 1.0), "en-tuned": (0.9, 1.0), "zh-held_out": (0.8, 0.909), "en-held_out": (0.8, 1.0)}
MAX_FALSE_POSITIVES = 1  # per set: measured 0 everywhere ("1:1 with Alice", "v1.2", prices, counts…)


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run(argparse.Namespace(set=str(SET_PATH), repeat=0))


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_exact_minute_accuracy_stays_above_its_floor(result: dict[str, Any], name: str) -> None:
    scored = result["accuracy"][name]
    assert scored["n"] == 11 if "held_out" in name else scored["n"] == 22
    assert scored["exact_minute"] >= FLOORS[name][0], result["misses"]
    assert scored["false_positives"] <= MAX_FALSE_POSITIVES, result["misses"]


def test_the_set_is_half_chinese_half_english_with_a_held_out_third(result: dict[str, Any]) -> None:
    counts = {name: s["n"] for name, s in result["accuracy"].items()}
    assert counts == {"en-held_out": 11, "en-tuned": 22, "zh-held_out": 11, "zh-tuned": 22}
    assert sum(s["no_event"] for s in result["accuracy"].values()) >= 12  # numbers that are no meeting times
