"""What the @axon assistant says, in Chinese and English: its help, its refusals, and how an answer
that lists messages reads in plain text. Pure: the assistant service fills in what it found.

Every answer the assistant posts is a message with a plain-text ``text`` (what any client, a
notification or an export shows) and, when it lists messages, a ``card`` the web client draws with
links into the conversations (``ResultItem``: the card's wire shape is in docs/ai/assistant.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

HELP = {
    "en": ("I'm Axon, your team's assistant. I act with your permissions and only read what you can read. Try:\n"
           "• find the message about the release date\n"
           "• what did I miss in #design today\n"
           "• schedule a meeting with @li and @sam tomorrow at 3pm\n"
           "• remind me about this tomorrow 9am\n"
           "Write to me here, or mention @{username} in any conversation (I answer you here)."),
    "zh": ("我是 Axon，团队的助手。我以你的权限行事，只读取你能读到的内容。可以试试：\n"
           "• 找一下关于发布日期的消息\n"
           "• 今天 #design 里我错过了什么\n"
           "• 安排明天下午三点和 @li @sam 开会\n"
           "• 明天早上9点提醒我这件事\n"
           "在这里直接对我说，或在任何会话里 @{username}（我会在这里回复你）。"),
}
SWITCHED_OFF = {
    "en": "The assistant is switched off in this organisation (an admin can switch it on in Admin › Modules).",
    "zh": "本组织已关闭助手（管理员可在 管理 › 模块 中开启）。",
}
NOT_ALLOWED = {
    "en": "You cannot use the assistant: {reason}",
    "zh": "你不能使用助手：{reason}",
}
FAILED = {
    "en": "Sorry, I could not do that: {reason}",
    "zh": "抱歉，没能完成：{reason}",
}
SEARCH_EMPTY = {
    "en": "I found nothing for “{query}” in the conversations you can read.",
    "zh": "在你能读到的会话里没有找到“{query}”。",
}
SEARCH_FOUND = {
    "en": "Here is what I found for “{query}”:",
    "zh": "关于“{query}”，找到这些：",
}
SEARCH_NO_WORDS = {
    "en": "What should I look for? For example: find the message about the release date",
    "zh": "要找什么？例如：找一下关于发布日期的消息",
}
ASKED_ELSEWHERE = {
    "en": "You asked in {where}: ",
    "zh": "你在 {where} 问：",
}


def say(table: dict[str, str], lang: str, **values: str) -> str:
    return (table.get(lang) or table["en"]).format(**values)


@dataclass(frozen=True, slots=True)
class ResultItem:
    """One message an answer points to (search hits, digest highlights)."""

    conversation_id: str
    conversation_name: str  # "#design", a group's name, or the other person's name for a DM
    message_id: str
    seq: int
    thread_root_id: str | None
    sender_id: str
    sender_name: str
    snippet: str  # plain text, never HTML
    created_at: str  # ISO 8601

    def wire(self) -> dict[str, object]:
        return {"conversation_id": self.conversation_id, "conversation_name": self.conversation_name,
                "message_id": self.message_id, "seq": self.seq, "thread_root_id": self.thread_root_id,
                "sender_id": self.sender_id, "sender_name": self.sender_name, "snippet": self.snippet,
                "created_at": self.created_at}


def results_text(heading: str, items: Sequence[ResultItem]) -> str:
    """The plain-text fallback of a list of messages: numbered, each with who said it and where."""
    lines = [heading]
    for n, item in enumerate(items, 1):
        lines.append(f"{n}. {item.snippet} — {item.sender_name}, {item.conversation_name}")
    return "\n".join(lines)


def results_card(kind: str, query: str, items: Sequence[ResultItem]) -> dict[str, object]:
    """``{"type": "assistant.results", "kind": "search", "query", "items": [...]}``."""
    return {"type": "assistant.results", "kind": kind, "query": query, "items": [i.wire() for i in items]}
