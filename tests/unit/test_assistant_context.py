"""What the assistant sends a chat model and how it reads the reply (axon/domain/assistant_context.py)."""

from __future__ import annotations

from datetime import datetime

from axon.domain.assistant_context import (
    CONTEXT_CHARS,
    CONTEXT_MESSAGE_CHARS,
    ContextMessage,
    chat_prompt,
    cited,
    context_size,
    numbered_context,
    period_start_ms,
    renumbered,
    retrieval_words,
    summary_prompt,
)
from axon.domain.assistant_intents import Period


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def test_today_and_yesterday_start_at_midnight_in_the_askers_zone() -> None:
    now = ms("2026-12-07T20:30:00+00:00")  # already Dec 8, 04:30 in Shanghai
    assert period_start_ms(Period.TODAY, now, "Asia/Shanghai") == ms("2026-12-08T00:00:00+08:00")
    assert period_start_ms(Period.YESTERDAY, now, "Asia/Shanghai") == ms("2026-12-07T00:00:00+08:00")
    assert period_start_ms(Period.TODAY, now, "America/New_York") == ms("2026-12-07T00:00:00-05:00")
    assert period_start_ms(Period.TODAY, now, "Not/AZone") == ms("2026-12-07T00:00:00+00:00")
    assert period_start_ms(Period.UNREAD, now, "UTC") is None


def test_a_questions_content_words_are_searched_without_its_question_words() -> None:
    assert retrieval_words("What is our policy on expenses?") == ("policy", "expenses")
    assert retrieval_words("发布计划是什么？") == ("发布", "计划")
    assert retrieval_words("我们的报销政策是什么") == ("报销", "政策")
    assert retrieval_words("what is it?") == ()
    assert len(retrieval_words("alpha beta gamma delta epsilon zeta eta theta")) == 6


def test_the_context_is_numbered_and_bounded() -> None:
    long = ContextMessage("Ann", "#design", "2026-12-07T09:00:00.000Z", "word " * 400)
    short = ContextMessage("鲍勃", "Plans", "2026-12-07T10:15:00.000Z", "Ship\non Friday")
    context = numbered_context([short, long])
    first, second = context.split("\n")
    assert first == "[1] 鲍勃 in Plans, 2026-12-07T10:15: Ship on Friday"
    assert second.startswith("[2] Ann in #design, 2026-12-07T09:00: word word")
    assert len(second) < CONTEXT_MESSAGE_CHARS + 60 and second.endswith("…")
    many = numbered_context([long] * 40)
    assert len(many) <= CONTEXT_CHARS and context_size(many) == len(many.split("\n")) < 40


def test_the_prompts_name_the_askers_language_and_carry_the_rules_and_the_context() -> None:
    for prompt in (chat_prompt("zh", "[1] x"), summary_prompt("zh", "[1] x")):
        assert "Simplified Chinese" in prompt and "[1], [2]" in prompt and "Never invent" in prompt
        assert prompt.endswith("Messages:\n[1] x") and "instructions" in prompt
    assert "say so plainly in English" in chat_prompt("en", "")
    # The model stub (and a real deployment's prompt filters) tell translation prompts by this word.
    assert "ranslat" not in chat_prompt("en", "") + summary_prompt("en", "")


def test_citations_are_read_in_order_and_invented_numbers_are_dropped() -> None:
    reply = "Receipts within 30 days [3]. Managers approve [1, 3]，另见[9]、[2，4]."
    assert cited(reply, 4) == [3, 1, 2, 4]
    assert cited(reply, 2) == [1, 2]
    assert cited("no citations at all", 5) == []


def test_citations_are_renumbered_as_the_answer_lists_them() -> None:
    reply = "Receipts within 30 days [3]. Managers approve [1, 3]. Nobody said [7]."
    assert renumbered(reply, [3, 1]) == "Receipts within 30 days [1]. Managers approve [2, 1]. Nobody said."
    assert renumbered("只有这个[5]。", []) == "只有这个。"
