"""Admin › AI: an organisation's translation provider and model endpoints (``domain/ai_settings.py``).

Admins read and change them (``policy.check_org_admin``); the helpers read them through
``endpoints`` with the API keys opened, which no answer of the API ever carries (only
``api_key_set``). A change is audited with the settings and which keys changed, never a key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain import audit as actions
from ..domain import policy
from ..domain.ai_settings import (
    DEFAULT_AI_CONFIG,
    ENDPOINTS,
    AiConfig,
    Endpoint,
    ai_config_from_stored,
    validate_ai_config,
    validate_api_key,
)
from ..domain.model import Actor
from ..protocol.rest_ai import AiEndpoint, AiSettings
from ..store import ai_settings as stored
from ..store.database import Conn
from ..store.tx import Tx
from .core import Core
from .ports import EndpointSettings

Row = dict[str, Any]
# The endpoint's field in the settings → its key's column.
KEY_COLUMNS = {"chat_endpoint": "chat_api_key", "translation_endpoint": "translation_api_key"}


@dataclass(frozen=True, slots=True)
class OrgAi:
    """What a helper needs: the settings, and each configured endpoint ready to call (key opened)."""

    config: AiConfig
    chat: EndpointSettings | None
    translation: EndpointSettings | None
    version: int = 0  # when the settings last changed (ms): cached answers of older settings miss


def _callable(endpoint: Endpoint, key: str) -> EndpointSettings | None:
    if endpoint.url is None:
        return None
    return EndpointSettings(endpoint.url, key, endpoint.model, endpoint.timeout_seconds)


def org_ai(conn: Conn, org_id: str) -> OrgAi:
    """The organisation's AI settings in a read (the defaults when an admin never set them)."""
    row = stored.get(conn, org_id)
    if row is None:
        return OrgAi(DEFAULT_AI_CONFIG, None, None)
    config = ai_config_from_stored(row["config"])
    return OrgAi(config, _callable(config.chat_endpoint, row["chat_api_key"]),
                 _callable(config.translation_endpoint, row["translation_api_key"]), row["updated_at"])


def settings_view(row: Row | None) -> AiSettings:
    config = ai_config_from_stored(row["config"]) if row is not None else DEFAULT_AI_CONFIG

    def endpoint(name: str) -> AiEndpoint:
        e: Endpoint = getattr(config, name)
        return AiEndpoint(e.url, e.model, bool(row and row[KEY_COLUMNS[name]]), e.timeout_seconds)

    return AiSettings(config.translation_provider, endpoint("chat_endpoint"),  # type: ignore[arg-type]
                      endpoint("translation_endpoint"))


class AiSettingsService:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def view(self, actor: Actor) -> AiSettings:
        policy.check_org_admin(actor)
        return await self.core.read(lambda conn: settings_view(stored.get(conn, actor.org_id)))

    async def put(self, actor: Actor, body: Row) -> AiSettings:
        """Replace the settings. In each endpoint, ``api_key`` left out or null keeps the stored key,
        "" forgets it."""
        policy.check_org_admin(actor)
        config = validate_ai_config(body)
        keys = {KEY_COLUMNS[name]: validate_api_key((body.get(name) or {}).get("api_key"), name)
                for name in ENDPOINTS}
        event = self.core.audit.event(actor, actions.AI_SETTINGS_CHANGED, "org", actor.org_id,
                                      settings=config.to_dict(),
                                      keys_changed=sorted(c for c, k in keys.items() if k is not None))

        def write(tx: Tx) -> AiSettings:
            stored.put(tx.conn, actor.org_id, config.to_dict(), keys, tx.now_ms)
            self.core.audit.record(tx, event)
            return settings_view(stored.get(tx.conn, actor.org_id))

        result: AiSettings = await self.core.write(write)
        return result

    async def endpoints(self, org_id: str) -> OrgAi:
        """For the helpers (translation, the assistant): the settings with the keys opened."""
        result: OrgAi = await self.core.read(lambda conn: org_ai(conn, org_id))
        return result
