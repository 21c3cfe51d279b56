"""Message content rules: validation of text and server-side mention parsing.

Text is stored as its Markdown source. Mentions are parsed here, once, and stored
structured so that clients never have to guess who was mentioned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import MessageTooLarge, ValidationFailed

# Code spans and fenced blocks are not parsed for mentions: "`@all`" is an example, not a ping.
_CODE = re.compile(r"```.*?(?:```|$)|`[^`\n]*`", re.S)
# Not after an ASCII word character (so e-mail addresses are not mentions), but fine
# right after Chinese text: "请@bob看一下" mentions bob.
_MENTION = re.compile(r"(?<![A-Za-z0-9_@.])@([A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?)")
_ALL_WORDS = frozenset({"all", "channel", "everyone", "here"})
# C0 controls other than tab and newline are never meaningful in chat text.
_FORBIDDEN_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class MentionRefs:
    usernames: frozenset[str]
    everyone: bool


def validate_text(text: str, max_bytes: int) -> str:
    """Normalise line endings, refuse empty, oversized or control-laden text."""
    if not isinstance(text, str):
        raise ValidationFailed("text must be a string.", field="text")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ValidationFailed("text must not be empty.", field="text")
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise MessageTooLarge(f"text is {size} bytes; the limit is {max_bytes}.", limit=max_bytes)
    if _FORBIDDEN_CONTROLS.search(text):
        raise ValidationFailed("text contains control characters.", field="text")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationFailed("text is not valid UTF-8 (lone surrogate).", field="text") from exc
    return text


_NONE = MentionRefs(usernames=frozenset(), everyone=False)


def parse_mentions(text: str) -> MentionRefs:
    if "@" not in text:
        return _NONE  # most messages: no regex work at all
    visible = _CODE.sub(" ", text)
    names = {m.group(1).lower() for m in _MENTION.finditer(visible)}
    everyone = bool(names & _ALL_WORDS)
    return MentionRefs(usernames=frozenset(names - _ALL_WORDS), everyone=everyone)


def validate_name(name: str, field: str = "name", max_len: int = 80) -> str:
    if not isinstance(name, str):
        raise ValidationFailed(f"{field} must be a string.", field=field)
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed(f"{field} must not be empty.", field=field)
    if len(name) > max_len:
        raise ValidationFailed(f"{field} is longer than {max_len} characters.", field=field)
    if _FORBIDDEN_CONTROLS.search(name):
        raise ValidationFailed(f"{field} contains control characters.", field=field)
    return name


def validate_topic(topic: str, max_len: int = 250) -> str:
    if not isinstance(topic, str):
        raise ValidationFailed("topic must be a string.", field="topic")
    topic = topic.strip()
    if len(topic) > max_len:
        raise ValidationFailed(f"topic is longer than {max_len} characters.", field="topic")
    if _FORBIDDEN_CONTROLS.search(topic):
        raise ValidationFailed("topic contains control characters.", field="topic")
    return topic


# Starts and ends with a letter or digit, so that "@name." at the end of a sentence is "@name".
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}[a-z0-9]$")


def validate_username(username: str) -> str:
    username = username.strip().lower() if isinstance(username, str) else ""
    if not _USERNAME.match(username) or username in _ALL_WORDS:
        raise ValidationFailed(
            "username must be 2-64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit.",
            field="username",
        )
    return username


def validate_emoji(emoji: str) -> str:
    """A reaction is one short token: a Unicode emoji or a :shortcode:."""
    if not isinstance(emoji, str) or not emoji or len(emoji) > 32 or any(c.isspace() for c in emoji):
        raise ValidationFailed("emoji must be 1-32 characters without spaces.", field="emoji")
    if _FORBIDDEN_CONTROLS.search(emoji):
        raise ValidationFailed("emoji contains control characters.", field="emoji")
    return emoji
