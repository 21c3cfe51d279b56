"""Search keys for people and conversations, Chinese names included.

"张伟" is found by "张", "zhang", "zhangwei" and the initials "zw": the key holds
the lower-cased text, its full pinyin and its pinyin initials.
"""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


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
