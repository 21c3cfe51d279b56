"""What a request to the @axon assistant asks for: rules over its words, in Chinese and English.

``parse(text)`` turns a request into an ``Intent``: one of a few actions the assistant can take with
the asker's permissions (search, a digest of what they missed, scheduling a meeting, a reminder,
help), with the pieces the action needs as the person typed them — a search's words, a channel's
name, the people to invite, the words that say when, what to be reminded of. Names are resolved to
people and conversations, and times to instants, by the services that act (the directory, the
``EventExtractor``), never here. A request that matches no rule is ``CHAT``: answered by the model
endpoint when an admin configured one, else by the help text.

Deterministic on purpose: the same words always lead to the same action, offline, and a test set
(``tests/ai_corpus/assistant_intents.json``, written before these rules) measures them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class IntentKind(StrEnum):
    SEARCH = "search"
    DIGEST = "digest"
    SCHEDULE = "schedule"
    REMIND = "remind"
    HELP = "help"
    CHAT = "chat"


class Period(StrEnum):
    UNREAD = "unread"  # everything not read yet
    TODAY = "today"
    YESTERDAY = "yesterday"  # since the start of yesterday


@dataclass(frozen=True, slots=True)
class Intent:
    kind: IntentKind
    lang: str  # "zh" or "en": the language to answer in
    query: str = ""  # SEARCH: the words to look for
    conversation: str | None = None  # DIGEST: a channel's name as typed (without '#'), None for all
    period: Period = Period.UNREAD  # DIGEST
    people: tuple[str, ...] = ()  # SCHEDULE: names or usernames as typed (without '@')
    time_text: str = ""  # SCHEDULE, REMIND: the words that say when ("" when none were found)
    what: str = ""  # REMIND: what to be reminded of; SCHEDULE: a title when one was given


# --- times: found so that they can be cut out of the other pieces -------------------------------------

_EN_NUM = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|an?|half an)"
_EN_DAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_EN_TIME = re.compile(
    rf"\b(?:in\s+{_EN_NUM}\s+(?:hours?|minutes?|mins?|days?)"
    rf"|(?:this|next|on)?\s*(?:{_EN_DAY}|week|weekend)(?:\s+(?:morning|afternoon|evening|night))?"
    r"|today|tomorrow|tonight|this\s+(?:morning|afternoon|evening)|(?:at\s+)?(?:noon|midnight)"
    r"|(?:at\s+)?\d{1,2}(?::\d{2})?\s*(?:am|pm)\b|at\s+\d{1,2}(?::\d{2})?(?!:)\b"
    r"|(?<![\d:])\d{1,2}:\d{2}(?![\d:]))",
    re.IGNORECASE)
_ZH_NUM = r"[0-9零一二两三四五六七八九十]+"
_ZH_TIME = re.compile(
    rf"(?:{_ZH_NUM}\s*(?:个)?(?:小时|分钟|天)(?:后|以后|之后)"
    r"|(?:今天|明天|后天|大后天|今晚|明早|下*(?:周|星期|礼拜)[一二三四五六日天]|本周[一二三四五六日天]"
    r"|下周|下个月|这周[一二三四五六日天]?)"
    r"|(?:早上|上午|中午|下午|晚上|傍晚|凌晨)"
    rf"|{_ZH_NUM}\s*(?:点|:|：)\s*(?:半|一刻|三刻|{_ZH_NUM}\s*分?)?)")


def _times(text: str, lang: str) -> list[re.Match[str]]:
    return list((_ZH_TIME if lang == "zh" else _EN_TIME).finditer(text))


def _without(text: str, spans: list[re.Match[str]]) -> str:
    for m in reversed(spans):
        text = text[:m.start()] + " " + text[m.end():]
    return text


def _time_text(spans: list[re.Match[str]]) -> str:
    return " ".join(m.group(0).strip() for m in spans if m.group(0).strip())


# --- the rules ---------------------------------------------------------------------------------------

_HELP = re.compile(r"^\s*(?:help|\?|what can you do\??|how do i use you\??|how does (?:this|it) work\??|帮助"
                   r"|你能做什么[？?]?|(?:这个)?怎么用[？?]?|使用说明|你会什么[？?]?)\s*$", re.IGNORECASE)
_EN_REMIND = re.compile(r"\b(?:remind|ping|nudge|alert)\s+(?:me|us)\b|\bdon'?t\s+let\s+me\s+forget\b", re.IGNORECASE)
_ZH_REMIND = re.compile(r"提醒(?:我们|一下我|我)|叫(?:我|一下我)(?:一下)?|别让我忘(?:了|记)?|记得提醒")
_EN_SCHEDULE = re.compile(
    r"\b(?:schedule|set\s+up|book|arrange|organi[sz]e|plan)\b.*\b(?:meeting|call|sync|1:1|one-on-one|catch-?up|standup)"
    r"|\bmeet(?:ing)?\s+with\b|\blet'?s\s+meet\b|\b(?:create|add|make)\s+(?:an?\s+)?(?:event|calendar|invite)",
    re.IGNORECASE)
_ZH_SCHEDULE = re.compile(r"(?:安排|约|预约|预定).*(?:会|通话|电话|聊)|开(?:个|一个)?(?:会|同步会|例会)|(?:会议|同步会)"
                          r"|见(?:个)?面|日程|通(?:个|一个)?电话|(?:建|加|创建)(?:个|一个)?(?:会|活动|事件)")
_EN_DIGEST = re.compile(r"\b(?:what\s+did\s+i\s+miss|catch\s+me\s+up|summar|digest|recap|anything\s+new|what'?s\s+new"
                        r"|what\s+happened|tl;?dr|brief\s+me|update\s+me|highlights)", re.IGNORECASE)
_ZH_DIGEST = re.compile(r"错过|总结|摘要|汇总|有什么新|新消息|未读|发生了什么|讲讲|最近的情况|进展|概况")
_EN_SEARCH = re.compile(r"\b(?:find|search|look\s+(?:up|for)|where\s+did|who\s+(?:said|mentioned|wrote)|dig\s+up"
                        r"|pull\s+up|show\s+me)\b", re.IGNORECASE)
_ZH_SEARCH = re.compile(r"找|搜|查|谁(?:说|提到|讲|发)")

_CHANNEL = re.compile(r"#([^\s#,，。？?!！]+)")
_MENTION = re.compile(r"@([\w.\-]+)")


def language(text: str) -> str:
    """"zh" when the request has Chinese characters, else "en"."""
    return "zh" if re.search(r"[\u3400-\u9fff]", text) else "en"


def parse(text: str) -> Intent:
    text = " ".join(text.split())
    lang = language(text)
    if _HELP.match(text):
        return Intent(IntentKind.HELP, lang)
    spans = _times(text, lang)
    if (_ZH_REMIND if lang == "zh" else _EN_REMIND).search(text):
        return Intent(IntentKind.REMIND, lang, time_text=_time_text(spans), what=_reminder_subject(text, spans, lang))
    if (_ZH_SCHEDULE if lang == "zh" else _EN_SCHEDULE).search(text):
        return Intent(IntentKind.SCHEDULE, lang, people=_people(text, spans, lang), time_text=_time_text(spans))
    if (_ZH_DIGEST if lang == "zh" else _EN_DIGEST).search(text):
        channel = _CHANNEL.search(text)
        return Intent(IntentKind.DIGEST, lang, conversation=channel.group(1) if channel else None,
                      period=_period(text))
    if (_ZH_SEARCH if lang == "zh" else _EN_SEARCH).search(text):
        return Intent(IntentKind.SEARCH, lang, query=_search_words(text, lang))
    return Intent(IntentKind.CHAT, lang)


_TODAY_EN = re.compile(r"\b(?:today|this\s+(?:morning|afternoon|evening))\b")
_TODAY_ZH = re.compile(r"今天|今日|今早|上午|下午")


def _period(text: str) -> Period:
    lowered = text.lower()
    if "yesterday" in lowered or "昨天" in text:
        return Period.YESTERDAY
    if _TODAY_EN.search(lowered) or _TODAY_ZH.search(text):
        return Period.TODAY
    return Period.UNREAD


_EN_REMIND_LEAD = re.compile(r"^.*?(?:\b(?:remind|ping|nudge|alert)\s+(?:me|us)\b|\bdon'?t\s+let\s+me\s+forget\b)"
                             r"\s*(?:to|about|of|that)?\s*", re.IGNORECASE)
_EN_FILLER_TAIL = re.compile(r"\s*(?:\bto\b|\babout\b|\bplease\b)?\s*$", re.IGNORECASE)
_EN_FILLER_HEAD = re.compile(r"^\s*(?:to|about|of|that)\b\s*", re.IGNORECASE)


def _reminder_subject(text: str, spans: list[re.Match[str]], lang: str) -> str:
    rest = _without(text, spans)
    if lang == "zh":
        after = _ZH_REMIND.split(rest, maxsplit=1)[-1]
        return _clean_zh(re.sub(r"^(?:一下)", "", after.strip()))
    after = _EN_REMIND_LEAD.sub("", rest)
    after = _EN_FILLER_HEAD.sub("", " ".join(after.split()))
    return _EN_FILLER_TAIL.sub("", after).strip(" .,!?")


_EN_WITH = re.compile(r"\bwith\s+(.+)$", re.IGNORECASE)
_EN_NAME_SPLIT = re.compile(r"\s*(?:,|\band\b|&)\s*", re.IGNORECASE)
_ZH_WITH = re.compile(r"(?:约|和|跟|与|同)\s*(.+)")
_ZH_NAME_SPLIT = re.compile(r"\s*(?:和|跟|与|、|,|，)\s*")
_ZH_AFTER_NAMES = re.compile(r"(?:开|一起|聊|通|见|碰|讨论|同步|会|，|。|,).*$")


def _people(text: str, spans: list[re.Match[str]], lang: str) -> tuple[str, ...]:
    """Everyone @-mentioned, then the names typed without "@" among those the meeting is "with"
    ("with @li and Sam": li, Sam); a piece of that list holding a mention is the mention alone."""
    listed = _with_list(" ".join(_without(text, spans).split()), lang)
    named = [n for n in listed if not _MENTION.search(n)]
    return tuple(dict.fromkeys([*_MENTION.findall(text), *named]))


def _with_list(rest: str, lang: str) -> list[str]:
    if lang == "zh":
        found = _ZH_WITH.search(rest)
        if not found:
            return []
        names = _ZH_AFTER_NAMES.sub("", found.group(1))
        return [n for n in (x.strip() for x in _ZH_NAME_SPLIT.split(names)) if n]
    found = _EN_WITH.search(rest)
    if not found:
        return []
    names = re.split(r"\b(?:about|to discuss|regarding|for)\b|[.?!]", found.group(1), maxsplit=1)[0]
    return [n for n in (x.strip(" .,") for x in _EN_NAME_SPLIT.split(names)) if n]


_EN_SEARCH_LEAD = re.compile(
    r"^.*?\b(?:find|search|look\s+(?:up|for)|where\s+did\s+(?:someone|anyone|somebody|we|i|they)\s+(?:mention|say|post)"
    r"|who\s+(?:said|mentioned|wrote)|dig\s+up|pull\s+up|show\s+me)\b\s*(?:the\s+history\s+|messages\s+|chats\s+)?"
    r"(?:for\s+|me\s+)?", re.IGNORECASE)
_EN_SEARCH_NOISE = re.compile(
    r"^(?:the\s+|a\s+|an\s+|any\s+)?(?:(?:message|messages|msg|post|posts|thread|conversation)s?\s+)?"
    r"(?:about\s+|on\s+|regarding\s+|with\s+|mentioning\s+|that\s+(?:says|said|mentions)\s+)?(?:the\s+)?",
    re.IGNORECASE)
_ZH_SEARCH_LEAD = re.compile(r"^.*?(?:帮我|请|麻烦)?(?:找一下|找找|找|搜索一下|搜索|搜一下|搜|查一下|查找|查"
                             r"|谁说过|谁说|谁提到过|谁提到|谁讲过|谁发过)\s*")
_ZH_SEARCH_TAIL = re.compile(r"(?:的(?:消息|信息|聊天记录|记录|那条消息)|相关的?消息)\s*$")


def _search_words(text: str, lang: str) -> str:
    if lang == "zh":
        rest = _ZH_SEARCH_LEAD.sub("", text)
        rest = re.sub(r"^(?:关于|有关)", "", rest.strip())
        return _ZH_SEARCH_TAIL.sub("", _clean_zh(rest)).strip()
    rest = _EN_SEARCH_LEAD.sub("", text)
    return _EN_SEARCH_NOISE.sub("", rest.strip()).strip(" .,!?")


def _clean_zh(text: str) -> str:
    return text.strip(" ，。？！?!,.、")
