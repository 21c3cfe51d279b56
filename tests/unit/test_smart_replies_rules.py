"""Smart replies' pure rules: language by script, what counts as a reply, the built-in choice, the
ranking of learned candidates and which message is addressed to whom."""

from __future__ import annotations

from axon.domain.smart_replies import (
    REPLY_WINDOW_MS,
    Candidate,
    Lang,
    Said,
    addressed_to,
    built_in_replies,
    is_reply,
    is_short_reply,
    language_of,
    message_kind,
    rank,
    reply_key,
)


def test_language_is_chinese_when_any_han_character_is_there() -> None:
    assert language_of("明天的 release 准备好了吗") is Lang.ZH
    assert language_of("OK 收到") is Lang.ZH
    assert language_of("Sounds good 👍") is Lang.EN


def test_a_reply_is_short_in_words_by_someone_else_soon_after() -> None:
    assert is_reply("ann", 0, "bob", 60_000, "Sure, after lunch")
    assert not is_reply("ann", 0, "ann", 60_000, "Sure")  # the same person going on
    assert not is_reply("ann", 0, "bob", REPLY_WINDOW_MS + 1, "Sure")  # too late to be an answer
    assert not is_short_reply("x" * 81)
    assert not is_short_reply("https://example.com/spec")  # a link is not a reply to reuse
    assert not is_short_reply("👍🎉")
    assert is_short_reply("@bob 好的")


def test_the_built_in_replies_follow_what_the_message_does() -> None:
    assert message_kind("Thanks for the quick fix!") == "thanks"
    assert message_kind("明天的会你能来吗") == "question"
    assert message_kind("When does the train leave?") == "open_question"
    assert message_kind("抱歉，我晚到十分钟") == "sorry"
    assert message_kind("The build is fixed and deployed") == "done"
    assert message_kind("请把周报发给我") == "statement"
    assert [b.text for b in built_in_replies("谢谢你的帮忙")] == ["不客气", "应该的", "👍"]
    assert [b.intent.value for b in built_in_replies("Can you join the call?")] == ["yes", "check", "no"]


def test_learned_replies_rank_by_similarity_and_frequency_and_stay_distinct() -> None:
    ranked = rank([Candidate("OK!", 0.70), Candidate("ok", 0.69), Candidate("ok.", 0.68), Candidate("On it", 0.72),
                   Candidate("Later", 0.55)])
    assert [r.text for r in ranked] == ["OK!", "On it", "Later"]  # three OKs beat one slightly closer "On it"
    assert ranked[0].pairs == 3
    assert reply_key("Ｏｋ！") == reply_key("ok")


def said(mid: str, sender: str, root: str | None = None, mentions: tuple[str, ...] = (), text: str = "hi") -> Said:
    return Said(mid, sender, text, root, mentions)


def test_the_message_addressed_to_me_is_the_last_one_i_have_not_answered() -> None:
    newest_first = [said("m3", "ann"), said("m2", "me"), said("m1", "ann")]
    assert addressed_to("me", True, newest_first, {}).id == "m3"  # type: ignore[union-attr]
    assert addressed_to("me", True, newest_first[1:], {}) is None  # I answered m1
    group = [said("g3", "ann"), said("g2", "bob", mentions=("me",)), said("g1", "cy", root="r1")]
    assert addressed_to("me", False, group, {}).id == "g2"  # type: ignore[union-attr]
    assert addressed_to("me", False, [group[0], group[2]], {"r1": "me"}).id == "g1"  # type: ignore[union-attr]
    assert addressed_to("me", False, [group[0], group[2]], {"r1": "ann"}) is None
    # My answer at the top level does not answer a thread reply to me.
    assert addressed_to("me", False, [said("t2", "me"), said("t1", "cy", root="r1")],
                        {"r1": "me"}).id == "t1"  # type: ignore[union-attr]
