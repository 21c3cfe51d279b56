"""The default ``EventExtractor``: Microsoft's Recognizers-Text date-time models (``recognizers-text-suite``,
offline, Chinese and English), with the choosing and the filling-in done by ``axon.domain.event_times``.

An adapter: only the composition root (``axon/app.py``) builds it (an import-linter contract says so).
The models load lazily, once per process, on the first message that may name a time (about 1.5 s and
some 10 MiB; docs/ai/events.md). ``extract`` is synchronous CPU work (5–70 ms a message): callers run
it in a worker thread, never on the event loop or the send path.
"""

from __future__ import annotations

import re
import threading
from datetime import datetime
from typing import Any

from ..domain.event_times import ExtractedEvent, Found, Reading, choose, cut_for_recognizer, may_mention_time

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class RecognizersExtractor:
    """``EventExtractor`` over ``recognizers_date_time`` (see the module's docstring)."""

    def __init__(self) -> None:
        self._models: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _model(self, language: str) -> Any:
        model = self._models.get(language)
        if model is None:
            with self._lock:
                model = self._models.get(language)
                if model is None:
                    from recognizers_date_time import Culture, DateTimeRecognizer  # heavy: on first use only

                    culture = Culture.Chinese if language == "zh" else Culture.English
                    model = self._models[language] = DateTimeRecognizer(culture).get_datetime_model()
        return model

    def warm(self) -> None:
        """Load both languages' models now (the consumer does before its first page, so that the load is
        not counted as extraction work; benchmarks measure it apart)."""
        self._model("zh")
        self._model("en")

    def extract(self, text: str, now: datetime, lang_hint: str | None = None) -> ExtractedEvent | None:
        if now.tzinfo is None:
            raise ValueError("now must be aware (the sender's time zone)")
        if not may_mention_time(text):
            return None
        text = cut_for_recognizer(text)
        language = language_of(text, lang_hint)
        results = self._model(language).parse(text, now.replace(tzinfo=None))
        return choose(text, [f for r in results if (f := _found(text, r)) is not None], now)


def language_of(text: str, hint: str | None) -> str:
    """"zh" when the text has Chinese characters (whatever the hint: it says how the text is written),
    else the hint's language when it is Chinese, else "en"."""
    if _CJK.search(text):
        return "zh"
    return "zh" if hint and hint.lower().startswith("zh") else "en"


def _found(text: str, result: Any) -> Found | None:
    """The recognizer's result as ``Found`` (its end is inclusive; English results are lower-cased)."""
    start, end = int(result.start), int(result.end) + 1
    if text[start:end].lower() != str(result.text).lower():
        at = text.lower().find(str(result.text).lower())
        if at < 0:
            return None
        start, end = at, at + len(result.text)
    kind = str(result.type_name).rsplit(".", 1)[-1]
    values = (result.resolution or {}).get("values") or []
    readings = tuple(Reading(str(v.get("timex", "")), v.get("value"), v.get("start"), v.get("end"))
                     for v in values if isinstance(v, dict))
    return Found(start, end, kind, readings)
