// Admin › AI: who translates messages (the offline gloss, a LibreTranslate endpoint or an
// OpenAI-compatible chat endpoint) and where those endpoints are (GET/PUT /admin/ai, docs/ai.md).
// API keys are write-only: the server says only whether one is set; an empty field keeps it.

import { api } from "../core/engine.js";
import { errorText, t } from "../core/i18n.js";
import { h } from "./dom.js";
import { toast } from "./dialogs.js";

const PROVIDERS = ["gloss", "libretranslate", "openai"];
const fail = (err) => toast(errorText(err), "error");

export function aiAdminPage(body) {
  const card = h("section", { class: "card", "data-testid": "ai-admin" }, h("h3", null, t("ai_admin.title")),
    h("p", { class: "dim" }, t("ai_admin.intro")));
  body.append(card);
  api.get("/admin/ai").then((settings) => card.append(settingsForm(settings))).catch(fail);
}

function settingsForm(settings) {
  const provider = h("select", { id: "ai-provider", "data-testid": "ai-provider" }, PROVIDERS.map((p) => h("option", {
    value: p, selected: p === settings.translation_provider,
  }, t(`ai_admin.provider_${p}`))));
  const translation = endpointFields("translation_endpoint", settings.translation_endpoint, false);
  const chat = endpointFields("chat_endpoint", settings.chat_endpoint, true);
  const privacy = h("p", { class: "dim policy-help", "data-testid": "ai-privacy" });
  const showPrivacy = () => { privacy.textContent = t(`ai_admin.privacy_${provider.value}`); };
  provider.addEventListener("change", showPrivacy);
  showPrivacy();
  const form = h("form", { class: "policy-form ai-admin-form", "data-testid": "ai-admin-form" },
    h("div", { class: "policy-row" }, h("label", { for: "ai-provider" }, t("ai_admin.provider")), provider, privacy),
    translation.fieldset, chat.fieldset,
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "btn primary", "data-testid": "ai-save" }, t("action.save"))));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const saved = await api.put("/admin/ai", {
        translation_provider: provider.value, translation_endpoint: translation.value(), chat_endpoint: chat.value(),
      });
      form.replaceWith(settingsForm(saved));
      toast(t("ai_admin.saved"));
    } catch (err) {
      fail(err);
      markInvalid(form, err);
    }
  });
  return form;
}

/** Point at the field the server refused (``details.field``, e.g. "chat_endpoint.url"). */
function markInvalid(form, err) {
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  const field = err.details && err.details.field;
  const input = field && form.querySelector(`#ai-${CSS.escape(field.replace(".", "-"))}`);
  if (!input) return;
  input.setAttribute("aria-invalid", "true");
  input.focus();
}

function endpointFields(name, endpoint, withModel) {
  const id = (field) => `ai-${name}-${field}`;
  const input = (field, attrs) => h("input", { id: id(field), "data-testid": id(field), ...attrs });
  const url = input("url", { type: "url", maxlength: 500, value: endpoint.url || "", placeholder: "https://…" });
  const model = withModel ? input("model", { type: "text", maxlength: 200, value: endpoint.model || "" }) : null;
  const key = input("key", {
    type: "password", maxlength: 1000, autocomplete: "off",
    placeholder: endpoint.api_key_set ? t("ai_admin.key_set") : t("ai_admin.key_none"),
  });
  const forget = endpoint.api_key_set ? input("forget-key", { type: "checkbox" }) : null;
  const timeout = input("timeout", { type: "number", min: 0.1, max: 120, step: "any", value: String(endpoint.timeout_seconds) });
  const row = (field, label, control, help) => h("div", { class: "policy-row" },
    h("label", { for: id(field) }, label), control, help ? h("p", { class: "dim policy-help" }, help) : null);
  const fieldset = h("fieldset", { class: "ai-endpoint", "data-testid": `ai-${name}` },
    h("legend", null, t(`ai_admin.${name}`)),
    h("p", { class: "dim policy-help" }, t(`ai_admin.${name}_help`)),
    row("url", t("ai_admin.url"), url, t("ai_admin.url_help")),
    model ? row("model", t("ai_admin.model"), model) : null,
    row("key", endpoint.api_key_set ? t("ai_admin.key_replace") : t("ai_admin.key"), key),
    forget ? h("label", { class: "check" }, forget, ` ${t("ai_admin.key_forget")}`) : null,
    row("timeout", t("ai_admin.timeout"), timeout));
  const value = () => ({
    url: url.value.trim() || null,
    ...(model ? { model: model.value.trim() } : {}),
    // Left out: the stored key stays; "" forgets it.
    ...(forget && forget.checked ? { api_key: "" } : key.value ? { api_key: key.value } : {}),
    timeout_seconds: Number(timeout.value) || 15,
  });
  return { fieldset, value };
}
