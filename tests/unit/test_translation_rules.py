"""Translation's pure rules: language by script, targets, the endpoints' settings and URLs, the
gloss's choice of meanings, and the answer cache."""

from __future__ import annotations

from typing import Any

import pytest

from axon.domain.ai_settings import ai_config_from_stored, validate_ai_config, validate_api_key, validate_endpoint_url
from axon.domain.errors import ValidationFailed
from axon.domain.translation import Translated, cache_key, detect_language, normalise_target
from axon.services.translation import AnswerCache
from axon.translate.endpoints import chat_completions_url, libretranslate_target
from axon.translate.gloss import gloss, parse_cedict


@pytest.mark.parametrize(("text", "language"), [
    ("明天下午三点开会", "zh"), ("Let's sync on Monday", "en"), ("用 Docker 部署", "zh"),
    ("ok 好", "zh"), ("Please review the PR 好吗", "en"), ("12:30 👍", "und"), ("", "und"),
])
def test_language_is_told_by_script(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(("given", "normal"), [("en", "en"), ("EN-us", "en"), ("zh", "zh-CN"), ("zh-hans", "zh-CN"),
                                               ("zh-CN", "zh-CN"), ("zh-tw", "zh-TW"), ("fr", "fr")])
def test_targets_are_normalised(given: str, normal: str) -> None:
    assert normalise_target(given) == normal


@pytest.mark.parametrize("bad", ["", "english!", "e", "zh_CN", "a-b-c-d-e"])
def test_a_target_that_is_no_language_code_is_refused(bad: str) -> None:
    with pytest.raises(ValidationFailed):
        normalise_target(bad)


def test_the_cache_key_holds_no_text_and_changes_with_an_edit() -> None:
    key = cache_key("m_1", "明天开会", "en", "gloss")
    assert "明天" not in key and key != cache_key("m_1", "明天不开会", "en", "gloss")
    assert key != cache_key("m_1", "明天开会", "en", "openai")


@pytest.mark.parametrize(("url", "ok"), [
    ("https://mt.example.com", True), ("https://mt.example.com:8443/base/", True), ("http://127.0.0.1:5000", True),
    ("http://localhost:11434", True), ("http://[::1]:8080", True), ("http://127.1.2.3", True),
    ("http://10.0.0.5:5000", False), ("http://mt.example.com", False), ("ftp://127.0.0.1", False),
    ("https://u:p@mt.example.com", False), ("https://mt.example.com/?k=1", False), ("https://mt.example.com/#x", False),
    ("https://", False), ("https://h:99999", False), ("not a url", False),
    ("http://[::1", False), ("https://exa mple.com", False),
])
def test_endpoint_urls(url: str, ok: bool) -> None:
    if ok:
        assert validate_endpoint_url(url, "chat_endpoint") == url.rstrip("/")
    else:
        with pytest.raises(ValidationFailed):
            validate_endpoint_url(url, "chat_endpoint")


def test_settings_round_trip_and_need_the_chosen_providers_endpoint() -> None:
    chat = {"url": "https://llm.example.com/v1", "model": "qwen", "timeout_seconds": 5}
    body: dict[str, Any] = {"translation_provider": "openai", "chat_endpoint": chat}
    config = validate_ai_config(body)
    assert ai_config_from_stored(config.to_dict()) == config
    for bad in ({"translation_provider": "openai", "chat_endpoint": {"url": "https://llm.example.com"}},
                {"translation_provider": "libretranslate"}, {"translation_provider": "argos"},
                {"chat_endpoint": {"timeout_seconds": 0}}, {"chat_endpoint": {"timeout_seconds": True}}):
        with pytest.raises(ValidationFailed):
            validate_ai_config(bad)


def test_api_keys_keep_forget_or_replace() -> None:
    assert validate_api_key(None, "chat_endpoint") is None
    assert validate_api_key("", "chat_endpoint") == ""
    assert validate_api_key(" sk-1 ", "chat_endpoint") == "sk-1"
    with pytest.raises(ValidationFailed):
        validate_api_key("sk\n1", "chat_endpoint")


def test_endpoint_paths() -> None:
    assert chat_completions_url("https://h") == "https://h/v1/chat/completions"
    assert chat_completions_url("https://h/v1") == "https://h/v1/chat/completions"
    assert (libretranslate_target("zh-CN"), libretranslate_target("en")) == ("zh", "en")


CEDICT_SAMPLE = [
    "# a comment",
    "明 明 [Ming2] /Ming Dynasty (1368-1644)/surname Ming/",
    "明 明 [ming2] /bright/opposite: dark 暗[an4]/",
    "明天 明天 [ming2 tian1] /tomorrow/",
    "開會 开会 [kai1 hui4] /to hold a meeting/to attend a meeting/",
    "了 了 [le5] /(completed action marker)/(modal particle)/",
    "了 了 [liao3] /to finish/",
    "服務器 服务器 [fu2 wu4 qi4] /server (computer)/CL:臺|台[tai2]/",
    "張 张 [zhang1] /surname Zhang/to open up/",
]


def test_the_gloss_takes_common_readings_drops_particles_and_notes() -> None:
    words = parse_cedict(CEDICT_SAMPLE)
    assert words["明"] == "bright" and words["开会"] == words["開會"] == "hold a meeting"
    assert words["了"] == "" and words["服务器"] == "server" and words["张"] == "open up"
    assert gloss("明天开会了，服务器！OK", words) == "tomorrow hold a meeting, server! OK"


def test_the_gloss_cuts_an_unknown_run_into_the_longest_known_words() -> None:
    words = parse_cedict(CEDICT_SAMPLE)
    assert gloss("明天明", words) == "tomorrow bright"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now


def test_the_answer_cache_forgets_after_its_time_and_beyond_its_size() -> None:
    clock = FakeClock()
    cache = AnswerCache(clock, ttl=10, size=2)
    answer = Translated("hi", "zh", "en", "gloss", "gloss")
    cache.put("a", answer)
    assert cache.get("a") == answer
    clock.now = 10.0
    assert cache.get("a") is None
    for key in "abc":
        cache.put(key, answer)
    assert (cache.get("a"), cache.get("c")) == (None, answer)
