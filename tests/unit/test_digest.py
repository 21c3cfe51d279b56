"""The assistant's extractive digest (axon/domain/digest.py): what it picks and what it never does."""

from __future__ import annotations

from axon.domain.digest import HIGHLIGHTS_PER_CONVERSATION, MAX_CONVERSATIONS, DigestMessage, digest, snippet

ME = "u_me"


def msg(i: int, text: str, conv: str = "c_design", sender: str = "u_ann", **extra: object) -> DigestMessage:
    return DigestMessage(f"m{i}", conv, i, sender, text, 1_000 * i, **extra)  # type: ignore[arg-type]


def test_a_mention_of_the_reader_comes_first_and_chitchat_never_is_picked() -> None:
    batch = [msg(1, "ok"), msg(2, "好的"), msg(3, "thanks!"), msg(4, "lunch anyone?", sender="u_bob"),
             msg(5, "@me can you review the new onboarding flow mockups", mentions=(ME,)),
             msg(6, "the onboarding flow mockups are in the shared folder"),
             msg(7, "👍")]
    d = digest(batch, ME)
    (conv,) = d.conversations
    picked = [h.message.id for h in conv.highlights]
    assert "m5" in picked and not {"m1", "m2", "m3", "m7"} & set(picked)
    assert next(h.why for h in conv.highlights if h.message.id == "m5") == "mention"
    assert [m.id for m in d.mentions] == ["m5"]
    assert conv.messages == 7 and conv.people[0] == "u_ann"
    assert [h.message.seq for h in conv.highlights] == sorted(h.message.seq for h in conv.highlights)


def test_decisions_questions_and_discussed_messages_beat_plain_ones_in_chinese_too() -> None:
    batch = [msg(1, "今天天气不错，下午去买咖啡"), msg(2, "我们决定周五发布 2.0 版本"),
             msg(3, "设计稿谁来评审？"), msg(4, "顺便说一下我换了新键盘"),
             msg(5, "新的配色方案大家看一下", reactions=6, reply_count=4), msg(6, "中午吃什么")]
    (conv,) = digest(batch, ME).conversations
    assert len(conv.highlights) == HIGHLIGHTS_PER_CONVERSATION
    assert {h.message.id for h in conv.highlights} == {"m2", "m3", "m5"}
    assert {h.why for h in conv.highlights} == {"decision", "question", "discussed"}


def test_the_reader_s_own_messages_are_not_news_and_threads_are_counted() -> None:
    batch = [msg(1, "my own long update about the launch plan", sender=ME),
             msg(2, "root of a discussion about the launch plan"),
             msg(3, "a reply in the launch thread", reply_to="m2"), msg(4, "another reply", reply_to="m2")]
    d = digest(batch, ME)
    assert d.messages == 3 and d.conversations[0].threads == 1
    assert "m1" not in {h.message.id for c in d.conversations for h in c.highlights}
    assert digest([msg(1, "mine", sender=ME)], ME).conversations == ()


def test_conversations_with_something_for_the_reader_lead_and_the_quietest_are_left_out() -> None:
    batch = [msg(i, f"status update number {i} about project {i}", conv=f"c_{i:02d}") for i in range(1, 11)]
    batch.append(msg(11, "@everyone the office is closed tomorrow", conv="c_10", mentions_all=True))
    d = digest(batch, ME)
    assert d.conversations[0].conversation_id == "c_10"
    assert len(d.conversations) == MAX_CONVERSATIONS and d.left_out == 10 - MAX_CONVERSATIONS


def test_snippets_cut_at_a_word_with_an_ellipsis_and_keep_short_texts_whole() -> None:
    assert snippet("short\n text") == "short text"
    long = "word " * 60
    cut = snippet(long, 50)
    assert cut.endswith("…") and len(cut) <= 51 and not cut[:-1].endswith(" ")
    assert snippet("中" * 200, 20) == "中" * 20 + "…"
