"""Translate a message for its reader (``POST /messages/{id}/translate``), through the provider the
organisation chose (``services/ai_settings.py``): the offline gloss, a LibreTranslate endpoint or an
OpenAI-compatible chat endpoint.

Rules, in order: the ``ai_helpers`` module and ``ai_translation`` switch (``Action.TRANSLATE``),
then the reader must be able to read the message (else 404, as if it did not exist). Every call to
an endpoint is audited (``ai.endpoint_called``: who, for what, how many characters, how it went;
never the text). An endpoint's failure is 502 ``ai_endpoint_failed``, its silence past the
configured timeout 504 ``ai_endpoint_timeout``: a request never hangs.

Answers are cached briefly per node, keyed by message, text hash, target, provider and the settings'
version (``domain.translation.cache_key``): a second reader of the same message costs no second
call, and an admin's change of endpoint or model is seen at once.
Callable from Python with an ``Actor`` (the assistant will be).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..domain import audit as actions
from ..domain import policy
from ..domain.errors import BadRequest, EndpointFailed, EndpointTimeout, NotFound
from ..domain.model import Actor
from ..domain.policy import Action
from ..domain.translation import (
    MAX_TRANSLATED_CHARS,
    Translated,
    cache_key,
    detect_language,
    normalise_target,
)
from ..store import accounts
from ..store import conversations as convs
from ..store import messages as msgs
from ..store.database import Conn
from .ai_settings import OrgAi, org_ai
from .core import Core
from .org_settings import check_readable, settings_for
from .ports import (
    EndpointFailure,
    EndpointSettings,
    EndpointTimedOut,
    LanguagesUnsupported,
    TranslationRequest,
    Translator,
)

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Source:
    message_id: str
    text: str
    reader_locale: str
    ai: OrgAi


class AnswerCache:
    """The last ``size`` answers for ``ttl`` seconds (the clock's monotonic time), least recent dropped first."""

    def __init__(self, clock: Any, ttl: float = 600.0, size: int = 2000) -> None:
        self.clock, self.ttl, self.size = clock, ttl, size
        self._answers: OrderedDict[str, tuple[float, Translated]] = OrderedDict()

    def get(self, key: str) -> Translated | None:
        held = self._answers.get(key)
        if held is None or held[0] <= self.clock.monotonic():
            self._answers.pop(key, None)
            return None
        self._answers.move_to_end(key)
        return held[1]

    def put(self, key: str, answer: Translated) -> None:
        self._answers[key] = (self.clock.monotonic() + self.ttl, answer)
        self._answers.move_to_end(key)
        while len(self._answers) > self.size:
            self._answers.popitem(last=False)


class Translations:
    def __init__(self, core: Core, translators: Mapping[str, Translator], cache: AnswerCache | None = None) -> None:
        self.core = core
        self.translators = dict(translators)
        self.cache = cache or AnswerCache(core.clock)

    async def translate(self, actor: Actor, message_id: str, target: str | None = None) -> Translated:
        """The message's text in ``target`` (default: the reader's language)."""
        source = await self.core.read(lambda conn: self._load(conn, actor, message_id))
        target = normalise_target(target or source.reader_locale or "en")
        translator = self._translator(source.ai.config.translation_provider)
        text = source.text[:MAX_TRANSLATED_CHARS]
        key = cache_key(message_id, text, target, f"{translator.provider}@{source.ai.version}")
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        request = TranslationRequest(text, detect_language(text), target, self._endpoint(translator, source.ai))
        answer = Translated(await self._call(actor, translator, request, message_id), request.source_lang, target,
                            "gloss" if translator.kind == "gloss" else "translation", translator.provider)
        self.cache.put(key, answer)
        return answer

    def _load(self, conn: Conn, actor: Actor, message_id: str) -> _Source:
        policy.check_org(actor, Action.TRANSLATE, settings_for(conn, actor.org_id))
        row = msgs.get(conn, message_id)
        if row is None:
            raise NotFound("Message not found.")
        conv, member = convs.get_with_membership(conn, row["conversation_id"], actor.user_id)
        check_readable(conn, actor, conv, member)
        if row.get("deleted_at") or not (row["text"] or "").strip():
            raise BadRequest("The message has no text to translate.", code="nothing_to_translate")
        user = accounts.get_user(conn, actor.user_id)
        return _Source(message_id, row["text"], (user or {}).get("locale") or "en", org_ai(conn, actor.org_id))

    def _translator(self, provider: str) -> Translator:
        # A provider this node was built without (an unknown name in stored settings) falls back to the gloss.
        return self.translators.get(provider) or self.translators["gloss"]

    @staticmethod
    def _endpoint(translator: Translator, ai: OrgAi) -> EndpointSettings | None:
        if not translator.remote:
            return None
        endpoint = ai.translation if translator.provider == "libretranslate" else ai.chat
        if endpoint is None:
            raise EndpointFailed("The organisation's translation endpoint is not configured.")
        return endpoint

    async def _call(self, actor: Actor, translator: Translator, request: TranslationRequest, message_id: str) -> str:
        outcome = "cancelled"  # the reader went away before the endpoint answered
        try:
            text = await translator.translate(request)
            outcome = "ok"
            return text
        except LanguagesUnsupported as refused:
            outcome = "unsupported"
            raise BadRequest(str(refused), code="translation_unsupported", source_lang=request.source_lang,
                             target=request.target) from None
        except EndpointTimedOut as failure:
            outcome = "timeout"
            raise EndpointTimeout(f"The translation endpoint did not answer in time: {failure}.") from None
        except EndpointFailure as failure:
            outcome = "failed"
            raise EndpointFailed(f"The translation endpoint failed: {failure}.") from None
        finally:
            if translator.remote:
                await self._audit(actor, translator, request, message_id, outcome)

    async def _audit(self, actor: Actor, translator: Translator, request: TranslationRequest, message_id: str,
                     outcome: str) -> None:
        """What left the server, for whom and why; never the text."""
        endpoint = "translation_endpoint" if translator.provider == "libretranslate" else "chat_endpoint"
        await self.core.record_audit(self.core.audit.event(
            actor, actions.AI_ENDPOINT_CALLED, "message", message_id, purpose="translation",
            provider=translator.provider, endpoint=endpoint, characters=len(request.text), target=request.target,
            outcome=outcome))
