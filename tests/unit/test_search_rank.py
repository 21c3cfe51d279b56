"""Reciprocal rank fusion of the keyword and semantic lists."""

from __future__ import annotations

import pytest

from axon.domain.search_rank import K, fuse


def test_a_message_found_by_both_comes_first_and_is_labelled_both() -> None:
    fused = fuse(["a", "b", "c"], ["x", "c", "y"])
    assert fused[0].message_id == "c" and fused[0].match == "both"
    assert fused[0].score == pytest.approx(1 / (K + 3) + 1 / (K + 2))
    assert {f.message_id: f.match for f in fused} == {"a": "keyword", "b": "keyword", "c": "both",
                                                       "x": "semantic", "y": "semantic"}


def test_equal_ranks_keep_keyword_before_semantic() -> None:
    assert [f.message_id for f in fuse(["a", "b"], ["x", "y"])] == ["a", "x", "b", "y"]


def test_one_list_alone_keeps_its_order_and_repeats_count_once() -> None:
    assert [f.message_id for f in fuse(["a", "b", "a"], [])] == ["a", "b"]
    assert [f.match for f in fuse([], ["x"])] == ["semantic"]
