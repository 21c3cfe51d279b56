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
           "• schedule a meeting with Li and Sam tomorrow at 3pm\n"
           "• remind me about this tomorrow 9am\n"
           "Write to me here, or mention @{username} in any conversation (I answer you here)."),
    "zh": ("我是 Axon，团队的助手。我以你的权限行事，只读取你能读到的内容。可以试试：\n"
           "• 找一下关于发布日期的消息\n"
           "• 今天 #design 里我错过了什么\n"
           "• 安排明天下午三点和李明、Sam 开会\n"
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
    why: str | None = None  # a digest's reason to pick it (``domain.digest.Highlight.why``)

    def wire(self) -> dict[str, object]:
        return {"conversation_id": self.conversation_id, "conversation_name": self.conversation_name,
                "message_id": self.message_id, "seq": self.seq, "thread_root_id": self.thread_root_id,
                "sender_id": self.sender_id, "sender_name": self.sender_name, "snippet": self.snippet,
                "created_at": self.created_at, "why": self.why}


def results_text(heading: str, items: Sequence[ResultItem]) -> str:
    """The plain-text fallback of a list of messages: numbered, each with who said it and where."""
    lines = [heading]
    for n, item in enumerate(items, 1):
        lines.append(f"{n}. {item.snippet} — {item.sender_name}, {item.conversation_name}")
    return "\n".join(lines)


def results_card(kind: str, query: str, items: Sequence[ResultItem], answer: str | None = None) -> dict[str, object]:
    """``{"type": "assistant.results", "kind": "search", "query", "items": [...]}``; an answer's card
    also carries the answer's own words (``answer``), which its text follows with the sources."""
    card: dict[str, object] = {"type": "assistant.results", "kind": kind, "query": query,
                               "items": [i.wire() for i in items]}
    if answer is not None:
        card["answer"] = answer
    return card


# --- what did I miss: the digest (services/assistant_digest.py) ----------------------------------------

DIGEST_PERIODS = {
    "unread": {"en": "unread", "zh": "未读"},
    "today": {"en": "today", "zh": "今天"},
    "yesterday": {"en": "since yesterday", "zh": "昨天以来"},
}
DIGEST_EVERYWHERE = {"en": "all your conversations", "zh": "你的所有会话"}
DIGEST_HEADING = {
    "en": "Here is what you missed ({query}): {messages} message{ms} in {conversations} conversation{cs}.",
    "zh": "你错过的内容（{query}）：{conversations} 个会话里的 {messages} 条消息。",
}
DIGEST_CONVERSATION = {
    "en": "{name} — {messages} new, from {people}",
    "zh": "{name} —— {messages} 条新消息，来自 {people}",
}
DIGEST_LEFT_OUT = {
    "en": "…and {n} quieter conversation{cs} not shown.",
    "zh": "……另有 {n} 个较安静的会话未列出。",
}
DIGEST_CAPPED = {
    "en": "(I read only the newest {cap} messages.)",
    "zh": "（只读取了最新的 {cap} 条消息。）",
}
DIGEST_CAUGHT_UP = {
    "en": "You're all caught up: nothing new for you in {where} ({period}).",
    "zh": "都看过了：{where}里没有你错过的新消息（{period}）。",
}
DIGEST_NOT_FOUND = {
    "en": "I could not find a conversation called “{name}” among yours.",
    "zh": "在你的会话里没有找到“{name}”。",
}
DIGEST_SUMMARY = {"en": "In short: {summary}", "zh": "简要总结：{summary}"}
DIGEST_SUMMARY_UNAVAILABLE = {
    "en": "(The summary is unavailable: the model endpoint failed. Here are the highlights.)",
    "zh": "（摘要暂不可用：模型端点调用失败。以下是要点。）",
}

# --- free-form questions (services/assistant_chat.py) -------------------------------------------------

CHAT_NEEDS_ENDPOINT = {
    "en": "Free-form answers need an admin to connect a model endpoint (Admin › AI).",
    "zh": "自由问答需要管理员先连接模型端点（管理 › AI）。",
}
CHAT_NOTHING_FOUND = {
    "en": "I found nothing about “{question}” in the conversations you can read, so I cannot answer it.",
    "zh": "在你能读到的会话里没有找到与“{question}”相关的内容，所以无法回答。",
}
CHAT_SOURCES = {"en": "Sources:", "zh": "来源："}
CHAT_FAILED = {
    "en": "The model endpoint failed ({reason}), so I cannot answer in my own words. These messages may help:",
    "zh": "模型端点调用失败（{reason}），无法生成回答。这些消息也许有帮助：",
}
