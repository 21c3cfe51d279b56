"""Search keys for people and conversations, Chinese names included.

"张伟" is found by "张", "zhang", "zhangwei" and the initials "zw": the key holds
the lower-cased text, its full pinyin and its pinyin initials.
"""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin

from .errors import ValidationFailed


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def search_key(*parts: str) -> str:
    words: list[str] = []
    for part in parts:
        if not part:
            continue
        lowered = part.lower()
        words.append(lowered)
        if _has_cjk(part):
            joined = "".join(part.split())  # "李 小龙" is found by "lixiaolong" too
            words.append("".join(lazy_pinyin(joined)).lower())
            words.append("".join(lazy_pinyin(joined, style=Style.FIRST_LETTER)).lower())
    return " ".join(words)


def normalise_query(query: str) -> str:
    return " ".join(query.lower().split())


MAX_QUERY_CHARS = 100  # the web client clamps what it sends to the same (core/api.js)


def search_query(query: str) -> str:
    """A search box's ``q``, normalised; over ``MAX_QUERY_CHARS`` characters it is refused with a
    400 ``validation_failed`` (no name or channel is that long: it is a paste gone wrong)."""
    if len(query) > MAX_QUERY_CHARS:
        raise ValidationFailed(f"q must be at most {MAX_QUERY_CHARS} characters (it has {len(query)}).",
                               field="q")
    return normalise_query(query)
