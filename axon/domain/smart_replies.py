"""Smart replies, the pure rules: which (message → reply) pairs are learned, a text's language, what a
message asks for, the built-in replies per language, and how learned candidates are ranked.

A pair is learned when a message is followed, in the same conversation stream (its top level, or one
thread), by a message of another person within ``REPLY_WINDOW_MS``, and that follow-up is a short
reply: at most ``MAX_REPLY_CHARS`` characters, in words (not a link, a file, emoji or a mention only).
The service (``services/smart_replies.py``) finds the pairs; docs/ai/replies.md states the rubric.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

REPLY_WINDOW_MS = 10 * 60 * 1000
MAX_REPLY_CHARS = 80
MAX_SUGGESTIONS = 3
# A learned candidate's weight grows with how many similar messages got the same reply: the best
# similarity plus FREQUENCY_WEIGHT · ln(number of such pairs). One pair alone counts its similarity.
FREQUENCY_WEIGHT = 0.05

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LINK = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"@[\w.-]+")
_EDGE = re.compile(r"^[\s\W_]+|[\s\W_]+$")


class Lang(StrEnum):
    ZH = "zh"
    EN = "en"


def language_of(text: str) -> Lang:
    """Chinese when the text holds any Han character (Chinese chat mixes in English words; English
    chat almost never holds Han), else English."""
    return Lang.ZH if _HAN.search(text) else Lang.EN


def in_words(text: str) -> str:
    """The text without links and mentions, trimmed: what a reply says."""
    return " ".join(_MENTION.sub(" ", _LINK.sub(" ", text)).split())


def is_short_reply(text: str) -> bool:
    """Could this message be suggested as a reply to someone? Short, and saying something in words."""
    said = in_words(text)
    return not _LINK.search(text) and 0 < len(said) <= MAX_REPLY_CHARS and any(ch.isalpha() for ch in said)


def is_reply(prompt_sender: str, prompt_at: int, reply_sender: str, reply_at: int, reply_text: str) -> bool:
    """Is the message a reply to the one before it in its stream (module docstring)?"""
    return (prompt_sender != reply_sender and 0 <= reply_at - prompt_at <= REPLY_WINDOW_MS
            and is_short_reply(reply_text))


def reply_key(text: str) -> str:
    """Replies that say the same: "OK", "ok!" and "Ok." share a key (case, width, edge punctuation)."""
    folded = unicodedata.normalize("NFKC", " ".join(text.split())).casefold()
    return _EDGE.sub("", folded) or folded


# --- what a message asks for, and the built-in answers ----------------------------------------


class Intent(StrEnum):
    """The act of a message (to choose built-in replies) and of a reply (the quality rubric)."""

    ACK = "ack"  # acknowledges a statement or instruction: OK, 收到
    YES = "yes"  # an affirmative answer to a question or a request put as one: Sure, 可以
    NO = "no"
    THANKS = "thanks"
    WELCOME = "welcome"  # the answer to thanks
    GREETING = "greeting"
    NO_PROBLEM = "no_problem"  # the answer to an apology
    CHECK = "check"  # let me check / 我看一下
    PRAISE = "praise"  # great job / 辛苦了
    BYE = "bye"
    TIME = "time"  # a time or duration: in 5 minutes / 马上


@dataclass(frozen=True, slots=True)
class BuiltIn:
    text: str
    intent: Intent


_THANKS = re.compile(r"谢谢|多谢|感谢|thx|\bthanks?\b|thank you|\bty\b", re.IGNORECASE)
_SORRY = re.compile(r"抱歉|不好意思|对不起|sorry|apolog", re.IGNORECASE)
_GREETING = re.compile(r"^\s*(?:hi|hello|hey|good (?:morning|afternoon|evening)|morning|你好|早上好|早安|早|嗨|哈喽)\b",
                       re.IGNORECASE)
_BYE = re.compile(r"\b(?:bye|see you|good ?night|have a good (?:one|weekend))\b|再见|拜拜|明天见|晚安", re.IGNORECASE)
_DONE = re.compile(r"\b(?:done|finished|fixed|merged|shipped|deployed|released)\b|搞定|完成了|修好了|上线了|发布了",
                   re.IGNORECASE)
_QUESTION = re.compile(r"[?？]\s*$|吗\s*$|呢\s*$|么\s*$|是不是|能不能|可不可以|有没有|要不要", re.IGNORECASE)
_OPEN_QUESTION = re.compile(r"^(?:when|what time|how long|where|why|how|what)\b|什么时候|几点|多久|哪里|为什么|怎么",
                            re.IGNORECASE)

BUILT_IN: dict[Lang, dict[str, tuple[BuiltIn, ...]]] = {
    Lang.ZH: {
        "thanks": (BuiltIn("不客气", Intent.WELCOME), BuiltIn("应该的", Intent.WELCOME), BuiltIn("👍", Intent.ACK)),
        "sorry": (BuiltIn("没关系", Intent.NO_PROBLEM), BuiltIn("没事", Intent.NO_PROBLEM),
                  BuiltIn("好的", Intent.ACK)),
        "greeting": (BuiltIn("你好！", Intent.GREETING), BuiltIn("早！", Intent.GREETING),
                     BuiltIn("在的", Intent.YES)),
        "bye": (BuiltIn("再见", Intent.BYE), BuiltIn("明天见", Intent.BYE), BuiltIn("好的", Intent.ACK)),
        "done": (BuiltIn("辛苦了", Intent.PRAISE), BuiltIn("太好了", Intent.PRAISE), BuiltIn("收到", Intent.ACK)),
        "question": (BuiltIn("可以", Intent.YES), BuiltIn("我看一下", Intent.CHECK), BuiltIn("不行", Intent.NO)),
        "open_question": (BuiltIn("我看一下", Intent.CHECK), BuiltIn("马上", Intent.TIME), BuiltIn("好的", Intent.ACK)),
        "statement": (BuiltIn("好的", Intent.ACK), BuiltIn("收到", Intent.ACK), BuiltIn("谢谢！", Intent.THANKS)),
    },
    Lang.EN: {
        "thanks": (BuiltIn("You're welcome!", Intent.WELCOME), BuiltIn("Anytime", Intent.WELCOME),
                   BuiltIn("👍", Intent.ACK)),
        "sorry": (BuiltIn("No worries", Intent.NO_PROBLEM), BuiltIn("No problem", Intent.NO_PROBLEM),
                  BuiltIn("OK", Intent.ACK)),
        "greeting": (BuiltIn("Hi!", Intent.GREETING), BuiltIn("Morning!", Intent.GREETING),
                     BuiltIn("Hey, what's up?", Intent.GREETING)),
        "bye": (BuiltIn("Bye!", Intent.BYE), BuiltIn("See you tomorrow", Intent.BYE), BuiltIn("OK", Intent.ACK)),
        "done": (BuiltIn("Great, thanks!", Intent.PRAISE), BuiltIn("Nice work!", Intent.PRAISE),
                 BuiltIn("Got it", Intent.ACK)),
        "question": (BuiltIn("Yes", Intent.YES), BuiltIn("Let me check", Intent.CHECK), BuiltIn("No", Intent.NO)),
        "open_question": (BuiltIn("Let me check", Intent.CHECK), BuiltIn("Soon", Intent.TIME),
                          BuiltIn("OK", Intent.ACK)),
        "statement": (BuiltIn("OK", Intent.ACK), BuiltIn("Sounds good", Intent.ACK),
                      BuiltIn("Thanks!", Intent.THANKS)),
    },
}


def message_kind(text: str) -> str:
    """What the message does, by simple rules, to choose built-in replies: ``thanks``, ``sorry``,
    ``greeting``, ``bye``, ``done`` (news that something is finished), ``open_question`` (when,
    where, how...), ``question`` (a yes/no question or a request put as one) or ``statement``."""
    said = in_words(text)
    if _THANKS.search(said) and not _QUESTION.search(said):
        return "thanks"
    if _SORRY.search(said):
        return "sorry"
    if _GREETING.search(said) and len(said) <= 24:
        return "greeting"
    if _BYE.search(said):
        return "bye"
    if _OPEN_QUESTION.search(said):
        return "open_question"
    if _QUESTION.search(said):
        return "question"
    if _DONE.search(said):
        return "done"
    return "statement"


def built_in_replies(text: str) -> tuple[BuiltIn, ...]:
    """The built-in replies to a message, in its language, best first."""
    return BUILT_IN[language_of(text)][message_kind(text)]


# --- ranking learned candidates ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    text: str  # a learned reply
    similarity: float  # of the message it answered to the one being answered now


@dataclass(frozen=True, slots=True)
class Ranked:
    text: str
    score: float
    pairs: int


def rank(candidates: Iterable[Candidate], limit: int = MAX_SUGGESTIONS) -> list[Ranked]:
    """Distinct replies (by ``reply_key``), best first: the best similarity of the messages a reply
    answered, plus ``FREQUENCY_WEIGHT`` · ln(how many of them it answered). The text shown is the one
    of the most similar pair."""
    best: dict[str, Candidate] = {}
    count: dict[str, int] = {}
    for c in candidates:
        key = reply_key(c.text)
        count[key] = count.get(key, 0) + 1
        if key not in best or c.similarity > best[key].similarity:
            best[key] = c
    ranked = [Ranked(c.text, c.similarity + FREQUENCY_WEIGHT * math.log(count[k]), count[k]) for k, c in best.items()]
    ranked.sort(key=lambda r: (-r.score, r.text))
    return ranked[:limit]


# --- the message a suggestion answers ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Said:
    """A message as the choice of what to answer sees it."""

    id: str
    sender_id: str
    text: str
    thread_root: str | None
    mentions: tuple[str, ...] = ()
    deleted: bool = False


def addressed_to(user_id: str, direct: bool, newest_first: Iterable[Said],
                 root_senders: dict[str, str]) -> Said | None:
    """The last message addressed to ``user_id`` that they have not answered yet: in a direct
    conversation any message of the other person; elsewhere one that mentions them, or a reply in a
    thread they started (``root_senders``: thread root → its author). A message of ``user_id``
    answers everything before it in its stream (the top level, or that thread)."""
    spoken: set[str] = set()
    for m in newest_first:
        stream = m.thread_root or ""
        if m.deleted or stream in spoken:
            continue
        if m.sender_id == user_id:
            spoken.add(stream)
            continue
        if not in_words(m.text):
            continue
        in_their_thread = m.thread_root is not None and root_senders.get(m.thread_root) == user_id
        if direct or user_id in m.mentions or in_their_thread:
            return m
    return None
