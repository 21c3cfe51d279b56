"""Organisations' own words for the Chinese segmenter (product names, team jargon): set by admins,
given to the segmenter on every node, and an organisation re-indexed when its words change."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from ..domain import policy
from ..domain.errors import ValidationFailed
from ..domain.model import Actor
from ..domain.search_terms import add_words
from ..store import search_index as store
from .core import Core
from .search_reindex import Reindexer

log = logging.getLogger("axon.search")

MAX_WORDS = 500
MIN_WORD_CHARS = 2
MAX_WORD_CHARS = 32
WORDS_REFRESH_SECONDS = 10.0


class SearchWords:
    """Organisations' own words for the Chinese segmenter (set by admins: Admin › Search, or REST)."""

    def __init__(self, core: Core, reindexer: Reindexer) -> None:
        self.core = core
        self.reindexer = reindexer
        self._tasks: set[asyncio.Task[int]] = set()
        self._known: set[str] = set()  # words the segmenter was given

    async def load(self) -> None:
        """Every organisation's words into the segmenter (at node start, then every few seconds:
        words another node took). The segmenter only learns: a removed word stays until a restart."""
        words = set(await self.core.read(store.all_words))
        if words - self._known:
            await asyncio.to_thread(add_words, sorted(words - self._known))
            self._known |= words

    async def run(self, interval: float = WORDS_REFRESH_SECONDS) -> None:
        while True:
            await self.core.clock.sleep(interval)
            try:
                await self.load()
            except Exception:  # a lost database must not end the node's task group: next round
                log.exception("loading organisation words failed")

    async def words(self, actor: Actor) -> list[str]:
        policy.check_org_admin(actor)
        return await self.core.read(lambda c: store.words_of(c, actor.org_id))

    async def set_words(self, actor: Actor, words: Any) -> list[str]:
        policy.check_org_admin(actor)
        clean = validate_words(words)
        await self.core.write(lambda tx: store.set_words(tx.conn, actor.org_id, clean))
        await asyncio.to_thread(add_words, clean)
        self._known |= set(clean)
        task = asyncio.create_task(self.reindexer.reindex(actor.org_id))
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return clean

    def _done(self, task: asyncio.Task[int]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("re-indexing after a change of words failed", exc_info=task.exception())

    async def settled(self) -> None:
        """Until the re-indexing that changes of words started has finished (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def validate_words(words: Any) -> list[str]:
    if not isinstance(words, list):
        raise ValidationFailed("words must be a list of strings.", field="words")
    if len(words) > MAX_WORDS:
        raise ValidationFailed(f"At most {MAX_WORDS} words.", field="words")
    clean: dict[str, None] = {}
    for word in words:
        if not isinstance(word, str):
            raise ValidationFailed("words must be a list of strings.", field="words")
        word = word.strip()
        if not MIN_WORD_CHARS <= len(word) <= MAX_WORD_CHARS:
            raise ValidationFailed(f"Each word has {MIN_WORD_CHARS} to {MAX_WORD_CHARS} characters: {word!r}.",
                                   field="words")
        if any(ch.isspace() or not (ch.isalnum() or ch in "-_.+#") for ch in word):
            raise ValidationFailed(f"A word has letters, digits and - _ . + # only: {word!r}.", field="words")
        clean[word] = None
    return sorted(clean)
