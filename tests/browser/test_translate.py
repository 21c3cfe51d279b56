""""Translate" on a message, in English and Chinese: the offline gloss of a Chinese message labelled
as a gloss (never a translation), a translation through a LibreTranslate endpoint (the loopback
model stub) labelled with its provider, the loading and error states, "Show original"; and the
admin's AI settings form (the API key written, never shown back)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.support.model_stub import ModelStub, model_stub

ZH = "zh-CN"


@pytest.fixture(scope="module")
def stub() -> Iterator[ModelStub]:
    with model_stub() as running:
        yield running


@pytest.fixture
def gloss_after(axon) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The browser tests share one server: leave its organisation on the offline gloss."""
    axon.call(axon.admin, "PUT", "/admin/ai", json={"translation_provider": "gloss"})
    yield
    axon.call(axon.admin, "PUT", "/admin/ai", json={"translation_provider": "gloss"})


def text_of(locale: str, en: str, zh: str) -> str:
    return zh if locale == ZH else en


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["en-US", ZH])
def test_a_chinese_message_is_glossed_and_labelled_as_a_gloss(axon, open_app, gloss_after, locale: str) -> None:
    ann, bob = axon.create_user("tr_ann"), axon.create_user("tr_bob")
    room = axon.room(ann, "group", f"tr-gloss-{locale}", [bob])
    axon.post(ann, room, "明天下午开会")
    b = open_app(bob, locale=locale)
    b.open_conversation(room)
    message = b.message("明天下午开会")
    button = message.get_by_test_id("act-translate")
    expect(button).to_have_attribute("aria-label", text_of(locale, "Translate", "翻译"))
    b.message_action(message, "act-translate")

    translation = message.get_by_test_id("translation")
    expect(translation).to_have_attribute("data-state", "done")
    # A Chinese reader's "Translate" on a Chinese message reads it in English: the gloss either way.
    expect(translation.get_by_test_id("translation-label")).to_have_text(
        text_of(locale, "Gloss — word by word, not a translation", "逐词释义 — 并非翻译"))
    expect(translation.get_by_test_id("translation-text")).to_have_text("tomorrow afternoon hold a meeting")
    translation.get_by_test_id("show-original").click()
    expect(message.get_by_test_id("translation")).to_have_count(0)
    expect(message).to_contain_text("明天下午开会")
    assert not b.errors


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["en-US", ZH])
def test_an_endpoint_translates_with_loading_error_and_retry(axon, open_app, stub: ModelStub, gloss_after,
                                                             locale: str) -> None:
    stub.reset()
    axon.call(axon.admin, "PUT", "/admin/ai", json={"translation_provider": "libretranslate",
                                                    "translation_endpoint": {"url": stub.url, "timeout_seconds": 10}})
    ann, bob = axon.create_user("tr_ann"), axon.create_user("tr_bob")
    room = axon.room(ann, "group", f"tr-endpoint-{locale}", [bob])
    source, expected = (("Release meeting tomorrow", "⟦zh⟧ 发布 开会 明天") if locale == ZH
                        else ("明天开会", "⟦en⟧ tomorrow meeting"))
    axon.post(ann, room, source)
    axon.post(ann, room, f"{source} again")
    b = open_app(bob, locale=locale)
    b.open_conversation(room)

    stub.behaviour, stub.hang_seconds = "timeout", 1.5  # slow, within the endpoint's 10 s: loading shows first
    first = b.message(source).first
    b.message_action(first, "act-translate")
    expect(first.get_by_test_id("translation")).to_have_attribute("data-state", "loading")
    expect(first.get_by_test_id("translation")).to_have_attribute("data-state", "done")
    expect(first.get_by_test_id("translation-label")).to_have_text(
        text_of(locale, "Translated by LibreTranslate", "由 LibreTranslate 翻译"))
    expect(first.get_by_test_id("translation-text")).to_have_text(expected)

    stub.behaviour = "fail"
    second = b.message(f"{source} again")
    b.message_action(second, "act-translate")
    expect(second.get_by_test_id("translation-error")).to_contain_text(
        text_of(locale, "translation service failed", "翻译服务出错"))
    stub.behaviour = "ok"
    second.get_by_test_id("translation-retry").click()
    expect(second.get_by_test_id("translation-text")).to_have_text(f"{expected} again")
    assert not b.errors


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["en-US", ZH])
def test_the_admin_sets_the_endpoints_and_the_key_is_never_shown(axon, open_app, stub: ModelStub, gloss_after,
                                                                 locale: str) -> None:
    a = open_app(axon.admin, locale=locale)
    a.page.goto(f"{axon.base_url}/#/admin/ai")
    tab = a.page.get_by_test_id("admin-tab-ai")
    expect(tab).to_have_text("AI")
    form = a.page.get_by_test_id("ai-admin-form")
    expect(a.page.get_by_test_id("ai-privacy")).to_contain_text(
        text_of(locale, "Nothing leaves the server", "不会有任何内容离开服务器"))
    a.page.get_by_test_id("ai-provider").select_option("openai")
    expect(a.page.get_by_test_id("ai-privacy")).to_contain_text(text_of(locale, "audit log", "审计日志"))
    form.get_by_test_id("ai-chat_endpoint-url").fill(stub.url)
    form.get_by_test_id("ai-chat_endpoint-model").fill("stub-model")
    form.get_by_test_id("ai-chat_endpoint-key").fill("sk-browser-secret")
    form.get_by_test_id("ai-save").click()

    saved = a.page.get_by_test_id("ai-admin-form")
    expect(saved.get_by_test_id("ai-chat_endpoint-key")).to_have_attribute(
        "placeholder", text_of(locale, "A key is set (leave empty to keep it)", "已设置密钥（留空则保留）"))
    expect(saved.get_by_test_id("ai-chat_endpoint-key")).to_have_value("")
    settings = axon.call(axon.admin, "GET", "/admin/ai")
    assert settings["translation_provider"] == "openai"
    assert settings["chat_endpoint"] == {"url": stub.url, "model": "stub-model", "api_key_set": True,
                                         "timeout_seconds": 15.0}
    assert "sk-browser-secret" not in a.page.content()

    a.page.reload()
    expect(a.page.get_by_test_id("ai-provider")).to_have_value("openai")
    expect(a.page.get_by_test_id("ai-chat_endpoint-url")).to_have_value(stub.url)
    a.page.get_by_test_id("ai-chat_endpoint-url").fill("http://example.com")  # plain http off this machine
    a.page.get_by_test_id("ai-save").click()
    expect(a.page.get_by_test_id("toast").last).to_have_text(
        text_of(locale, "Some fields are missing or invalid.", "有字段缺失或无效。"))
    expect(a.page.get_by_test_id("ai-chat_endpoint-url")).to_have_attribute("aria-invalid", "true")
    assert not a.errors
