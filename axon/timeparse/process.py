"""The ``EventExtractor`` in a low-priority child process (``axon/child.py`` says why and what it
guarantees). The date-time recognizers are pure Python and take 5–70 ms a message that may name a
time: in a thread of the node they held its GIL while sends waited. The cheap look
(``may_mention_time``) stays in the node, so a message without a digit or a time word crosses no pipe."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ..child import NICENESS, ChildProcess
from ..domain.event_times import ExtractedEvent, may_mention_time
from ..services.ports import EventExtractor


class ProcessExtractor:
    def __init__(self, build: Callable[[], EventExtractor], niceness: int = NICENESS) -> None:
        """``build`` makes the extractor in the child: a module-level callable (pickled by name)."""
        self._child = ChildProcess(build, niceness)

    def warm(self) -> None:
        self._child.call("warm")

    def extract(self, text: str, now: datetime, lang_hint: str | None = None) -> ExtractedEvent | None:
        if not may_mention_time(text):
            return None
        found: ExtractedEvent | None = self._child.call("extract", text, now, lang_hint)
        return found

    def close(self) -> None:
        self._child.close()
