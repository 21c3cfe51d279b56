"""An organisation's AI endpoints, as its admins set them (Admin › AI): pure validation.

Two endpoints, named by what they speak rather than by one feature, because several helpers share
them: ``chat_endpoint`` (OpenAI-compatible ``/v1/chat/completions``: translation now, the assistant
later) and ``translation_endpoint`` (LibreTranslate-compatible ``/translate``). Which one translates
is ``translation_provider``: ``"gloss"`` (offline, the default: nothing leaves the server),
``"libretranslate"`` or ``"openai"``.

Where the server may call: only the URL an admin typed, plus the fixed path of the API it speaks;
no redirect is followed. ``https://`` anywhere, plain ``http://`` only to this machine (a loopback
address or ``localhost``, e.g. a model server beside Axon), so messages and API keys never cross a
network in clear text. No user name or password in the URL, no query or fragment. API keys are
kept apart from these settings (sealed at rest, never returned).
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .errors import ValidationFailed

PROVIDERS = ("gloss", "libretranslate", "openai")
ENDPOINTS = ("chat_endpoint", "translation_endpoint")
DEFAULT_TIMEOUT_SECONDS = 15.0
MAX_TIMEOUT_SECONDS = 120.0
MAX_URL = 500
MAX_MODEL = 200


@dataclass(frozen=True, slots=True)
class Endpoint:
    url: str | None = None  # None: not configured
    model: str = ""  # the chat endpoint's model name (LibreTranslate has none)
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS


@dataclass(frozen=True, slots=True)
class AiConfig:
    translation_provider: str = "gloss"
    chat_endpoint: Endpoint = field(default_factory=Endpoint)
    translation_endpoint: Endpoint = field(default_factory=Endpoint)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_AI_CONFIG = AiConfig()


def ai_config_from_stored(data: dict[str, Any]) -> AiConfig:
    return AiConfig(data.get("translation_provider", "gloss"),
                    *(Endpoint(**data.get(name) or {}) for name in ENDPOINTS))


def is_loopback_host(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_endpoint_url(value: Any, name: str) -> str | None:
    """An endpoint's base URL (see the module's note for what is allowed), or None for "none"."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_URL:
        raise ValidationFailed(f"{name}.url must be a URL of at most {MAX_URL} characters.", field=f"{name}.url")
    if any(c.isspace() or ord(c) < 32 for c in value.strip()):
        raise ValidationFailed(f"{name}.url is not a valid URL.", field=f"{name}.url")
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        raise ValidationFailed(f"{name}.url is not a valid URL.", field=f"{name}.url") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationFailed(f"{name}.url must be an https:// URL with a host.", field=f"{name}.url")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ValidationFailed(f"{name}.url must be https:// (plain http:// only to this machine: a loopback "
                               "address or localhost).", field=f"{name}.url")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValidationFailed(f"{name}.url must not hold a user name, password, query or fragment (put an API "
                               "key in api_key).", field=f"{name}.url")
    return value.strip().rstrip("/")


def _endpoint(body: Any, name: str) -> Endpoint:
    body = body or {}
    if not isinstance(body, dict):
        raise ValidationFailed(f"{name} must be an object.", field=name)
    model = body.get("model") or ""
    if not isinstance(model, str) or len(model) > MAX_MODEL:
        raise ValidationFailed(f"{name}.model must be a name of at most {MAX_MODEL} characters.",
                               field=f"{name}.model")
    timeout = body.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)
    if (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not math.isfinite(timeout)
            or not 0.1 <= timeout <= MAX_TIMEOUT_SECONDS):
        raise ValidationFailed(f"{name}.timeout_seconds must be between 0.1 and {MAX_TIMEOUT_SECONDS:.0f}.",
                               field=f"{name}.timeout_seconds")
    return Endpoint(validate_endpoint_url(body.get("url"), name), model.strip(), float(timeout))


def validate_ai_config(body: dict[str, Any]) -> AiConfig:
    """The settings of ``PUT /admin/ai`` (without the API keys, which the service keeps apart)."""
    provider = body.get("translation_provider", "gloss")
    if provider not in PROVIDERS:
        raise ValidationFailed(f"translation_provider must be one of {', '.join(PROVIDERS)}.",
                               field="translation_provider")
    config = AiConfig(provider, *(_endpoint(body.get(name), name) for name in ENDPOINTS))
    if provider == "libretranslate" and config.translation_endpoint.url is None:
        raise ValidationFailed("LibreTranslate needs translation_endpoint.url.", field="translation_endpoint.url")
    if provider == "openai" and config.chat_endpoint.url is None:
        raise ValidationFailed("An OpenAI-compatible provider needs chat_endpoint.url.", field="chat_endpoint.url")
    if provider == "openai" and not config.chat_endpoint.model:
        raise ValidationFailed("An OpenAI-compatible provider needs chat_endpoint.model.",
                               field="chat_endpoint.model")
    return config


def validate_api_key(value: Any, name: str) -> str | None:
    """``None``: keep the stored key; ``""``: forget it; else the new key (printable, at most 1000)."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 1000 or any(c in value for c in "\r\n"):
        raise ValidationFailed(f"{name}.api_key must be one line of at most 1000 characters.",
                               field=f"{name}.api_key")
    return value.strip()
