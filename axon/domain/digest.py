"""An extractive digest of messages someone missed: what the @axon assistant answers to "what did I
miss in #design today" without a model endpoint.

``digest(messages, me)`` groups the messages by conversation, and inside a conversation by thread,
and picks the few that say the most: those addressed to the reader first (a mention of them or of
everyone), then questions, decisions and messages others reacted to or replied to, then messages
whose words are rare in the batch (a message about the one topic of the day beats "ok"). Chit-chat
("ok", "thanks", "好的", a lone emoji) is never picked. Each picked message keeps its conversation and
seq so that the answer links back to it; the digest copies no text it was not given, and invents
none. Pure: the assistant service reads the messages the asker may read and renders the result.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .search_terms import index_terms

HIGHLIGHTS_PER_CONVERSATION = 3
MAX_CONVERSATIONS = 8
SNIPPET_CHARS = 160

_CHITCHAT = re.compile(
    r"^\W*(?:ok(?:ay)?|k|kk|sure|yes|yep|yeah|no|nope|thanks?(?: you)?|thx|ty|lol|haha+|nice|cool|great|\+1|👍|"
    r"好的?|好滴|嗯+|哦+|收到|谢谢|多谢|哈哈+|可以|行|对|是的|没问题|了解)\W*$", re.IGNORECASE)
_QUESTION = re.compile(r"[?？]\s*$|^(?:who|what|when|where|why|how|can|could|should|is|are|do|does)\b|吗[？?。]?\s*$|"
                       r"(?:谁|什么|怎么|为什么|哪|几点|多少)", re.IGNORECASE)
# Chinese function words the segmenter keeps as words: they say nothing about a message's topic.
_FUNCTION_WORDS = frozenset("什么 怎么 为什么 一下 我们 你们 他们 大家 这个 那个 这些 那些 一个 可以 就是 "
                            "还是 然后 因为 所以 但是 如果 已经 没有 不是 自己 现在 时候".split())
_DECISION = re.compile(r"\b(?:decided|decision|agreed|approved|we will|we'll|deadline|due|launch|release|ship|blocked|"
                       r"urgent|asap|todo|action item)\b|决定|确定|通过|同意|截止|上线|发布|阻塞|紧急|尽快|待办",
                       re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DigestMessage:
    id: str
    conversation_id: str
    seq: int
    sender_id: str
    text: str
    created_at: int  # ms
    reply_to: str | None = None  # the thread's root, for a reply
    mentions: tuple[str, ...] = ()
    mentions_all: bool = False
    reactions: int = 0
    reply_count: int = 0


@dataclass(frozen=True, slots=True)
class Highlight:
    message: DigestMessage
    snippet: str
    why: str  # "mention", "question", "decision", "discussed" (reactions or replies), "topic"


@dataclass(frozen=True, slots=True)
class ConversationDigest:
    conversation_id: str
    messages: int  # how many the reader missed there
    threads: int  # threads with missed replies
    people: tuple[str, ...]  # who wrote, most messages first
    highlights: tuple[Highlight, ...]


@dataclass(frozen=True, slots=True)
class Digest:
    conversations: tuple[ConversationDigest, ...]
    messages: int
    left_out: int = 0  # conversations beyond MAX_CONVERSATIONS (the quietest)
    mentions: tuple[DigestMessage, ...] = field(default=())  # every message addressed to the reader


def digest(messages: Sequence[DigestMessage], me: str) -> Digest:
    """The digest of ``messages`` (any order) for the reader ``me``; their own messages are skipped."""
    theirs = [m for m in messages if m.sender_id != me and m.text.strip()]
    if not theirs:
        return Digest((), 0)
    rarity = _rarity(theirs)
    by_conversation: dict[str, list[DigestMessage]] = {}
    for m in sorted(theirs, key=lambda m: (m.conversation_id, m.seq)):
        by_conversation.setdefault(m.conversation_id, []).append(m)
    digests = [_conversation(cid, ms, me, rarity) for cid, ms in by_conversation.items()]
    # The conversations with something for the reader first, then the busiest.
    digests.sort(key=lambda d: (-sum(h.why == "mention" for h in d.highlights), -d.messages, d.conversation_id))
    mentions = tuple(m for m in sorted(theirs, key=lambda m: m.created_at) if _addressed(m, me))
    return Digest(tuple(digests[:MAX_CONVERSATIONS]), len(theirs), max(0, len(digests) - MAX_CONVERSATIONS), mentions)


def _conversation(cid: str, ms: list[DigestMessage], me: str, rarity: dict[str, float]) -> ConversationDigest:
    ranked = sorted(((_score(m, me, rarity), m) for m in ms if not _CHITCHAT.match(m.text)),
                    key=lambda pair: (-pair[0][0], pair[1].seq))
    picked = sorted((m for (_s, _why), m in ranked[:HIGHLIGHTS_PER_CONVERSATION]), key=lambda m: m.seq)
    why = {m.id: reason for (_s, reason), m in ranked}
    writers = Counter(m.sender_id for m in ms)
    return ConversationDigest(
        cid, len(ms), len({m.reply_to for m in ms if m.reply_to}),
        tuple(sorted(writers, key=lambda u: (-writers[u], u))),
        tuple(Highlight(m, snippet(m.text), why[m.id]) for m in picked))


def _score(m: DigestMessage, me: str, rarity: dict[str, float]) -> tuple[float, str]:
    """A message's weight and the strongest reason for it."""
    reasons: list[tuple[float, str]] = [(0.0, "topic")]
    if _addressed(m, me):
        reasons.append((10.0, "mention"))
    if _DECISION.search(m.text):
        reasons.append((3.0, "decision"))
    terms = {t for t in index_terms(m.text) if len(t) > 1 and t not in _FUNCTION_WORDS}
    if _QUESTION.search(m.text):  # a question about something ("谁来评审设计稿？") over a passing one ("吃什么")
        reasons.append((2.5 * min(1.0, len(terms) / 3), "question"))
    engagement = math.log1p(m.reactions) + 1.5 * math.log1p(m.reply_count)
    if engagement:
        reasons.append((engagement, "discussed"))
    topic = sum(rarity.get(t, 0.0) for t in terms) / math.sqrt(len(terms) or 1)
    length = min(len(m.text), 200) / 200
    best = max(reasons)
    return sum(w for w, _ in reasons) + 0.5 * topic + length, best[1]


def _addressed(m: DigestMessage, me: str) -> bool:
    return me in m.mentions or m.mentions_all


def _rarity(ms: Iterable[DigestMessage]) -> dict[str, float]:
    """Inverse document frequency of each term over the batch: words shared by a few messages name
    the day's topics; words in nearly every message say nothing."""
    docs = [set(index_terms(m.text)) for m in ms]
    counts: Counter[str] = Counter(t for d in docs for t in d)
    n = len(docs)
    # A term in one message only is noise as often as a topic: weigh it like one in two.
    return {t: math.log(n / max(c, 2)) if n > 2 else 0.0 for t, c in counts.items()
            if len(t) > 1 and t not in _FUNCTION_WORDS}


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The start of a message on one line, cut at a word (or character, in Chinese) with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,.;:，。；：") + "…"
