"""Smart reply quality floor on the held-out pairs (``tests/ai_corpus/replies.json``; ``python -m bench
ai-replies`` prints the whole table and bench/results/ai-replies.json holds the measured figures): the
training corpus is sent through the real send path, learned by the real ``reply_pairs`` consumer with
the real sentence model, and every held-out message is answered by ``SmartReplies.suggest``.

The consumer embeds in the test's process at full speed here (``in_process_embedding``: the same
vectors as the background embedder, without waiting on a nice-19 child on a loaded CI machine).
The floors sit below what was measured, so that a regression in the model, the ranking, the built-in
choice or the learning of pairs fails, while the figures' small run-to-run noise does not.
"""

from __future__ import annotations

from pathlib import Path

from bench.ai_replies import evaluate

# Measured (bench/results/ai-replies.json, docs/ai/replies.md): top-1 0.77, any of 3 0.92.
TOP1_FLOOR = 0.70
ANY_OF_3_FLOOR = 0.85


async def test_learned_smart_replies_meet_their_floors(database_url: str, tmp_path: Path) -> None:
    result = await evaluate(database_url, tmp_path, learning=True, in_process_embedding=True)
    assert result["held_out_pairs"] >= 50
    assert result["learned_shown"] >= 20, "learned replies must actually be suggested"
    assert result["acceptance"]["top1"] >= TOP1_FLOOR, result["acceptance"]
    assert result["acceptance"]["any_of_3"] >= ANY_OF_3_FLOOR, result["acceptance"]
    for pair in result["pairs"]:  # never more than three, never the same reply twice
        texts = [s[0] for s in pair["suggestions"]]
        assert len(texts) <= 3 and len(set(texts)) == len(texts)
