// Admin › Sign-in: the organisation's LDAP directory and OpenID Connect provider, and whether members
// must use them (GET /admin/sso, PUT /admin/sso/ldap|oidc|policy). Secrets are write-only: the server
// says only whether one is stored, and an empty field keeps it.

import { api } from "../core/engine.js";
import { errorText, formatDateTime, t } from "../core/i18n.js";
import { h, clear } from "./dom.js";
import { confirmAction, toast } from "./dialogs.js";

const fail = (err) => toast(errorText(err), "error");
const LDAP_TEXT = ["url", "bind_dn", "user_base_dn", "user_filter", "login_attribute", "email_attribute", "name_attribute",
  "access_group_dn", "admin_group_dn"];
const LDAP_DEFAULTS = { security: "starttls", user_filter: "(objectClass=inetOrgPerson)", login_attribute: "uid",
  email_attribute: "mail", name_attribute: "cn", sync_interval_minutes: 60 };

export function signInPage(body) {
  const holder = h("div", { class: "stack", "data-testid": "admin-signin" }, h("p", { class: "dim" }, t("timeline.loading")));
  body.append(holder);
  const load = async () => {
    try {
      const settings = await api.get("/admin/sso");
      clear(holder).append(policyCard(settings, load), ldapCard(settings, load), oidcCard(settings, load));
    } catch (err) {
      fail(err);
    }
  };
  load();
}

function textField(name, value, attrs = {}) {
  const input = h("input", { type: "text", value: value ?? "", "data-testid": `sso-${name}`, ...attrs });
  return { input, el: h("label", { class: "field" }, h("span", { class: "field-label" }, t(`sso.field_${name}`)), input) };
}

function checkField(name, checked) {
  const input = h("input", { type: "checkbox", checked: Boolean(checked), "data-testid": `sso-${name}` });
  return { input, el: h("label", { class: "check" }, input, t(`sso.field_${name}`)) };
}

function policyCard(settings, reload) {
  const required = checkField("sso_required", settings.sso_required);
  required.input.addEventListener("change", async () => {
    try {
      await api.put("/admin/sso/policy", { sso_required: required.input.checked });
      toast(t("sso.saved"));
    } catch (err) {
      required.input.checked = !required.input.checked;
      fail(err);
    }
    reload();
  });
  return h("section", { class: "card" }, h("h3", null, t("sso.policy")), required.el, h("p", { class: "dim" }, t("sso.policy_help")));
}

// ----- LDAP ---------------------------------------------------------------------------

function ldapCard(settings, reload) {
  const current = { ...LDAP_DEFAULTS, ...(settings.ldap || {}) };
  const enabled = checkField("ldap_enabled", current.enabled);
  const fields = Object.fromEntries(LDAP_TEXT.map((k) => [k, textField(k, current[k], k === "url" ? { placeholder: "ldap://ldap.example.com" } : {})]));
  const security = h("select", { "data-testid": "sso-security" }, ["starttls", "ldaps", "none"].map((v) => h("option", { value: v, selected: v === current.security }, t(`sso.security_${v}`))));
  const password = textField("bind_password", "", { type: "password", autocomplete: "new-password", placeholder: current.has_bind_password ? t("sso.secret_kept") : "" });
  const interval = textField("sync_interval_minutes", String(current.sync_interval_minutes), { type: "number", min: 5, max: 10080 });
  const result = h("div", { class: "sso-result", role: "status", "aria-live": "polite", "data-testid": "sso-ldap-result" });
  const body = () => {
    const out = Object.fromEntries(LDAP_TEXT.map((k) => [k, fields[k].input.value.trim()]));
    out.enabled = enabled.input.checked;
    out.security = security.value;
    out.sync_interval_minutes = Number(interval.input.value) || 60;
    if (password.input.value) out.bind_password = password.input.value;
    return out;
  };
  const save = async (ev) => {
    ev.preventDefault();
    try {
      await api.put("/admin/sso/ldap", body());
      toast(t("sso.saved"));
      reload();
    } catch (err) {
      fail(err);
    }
  };
  const test = async () => {
    clear(result).append(h("p", { class: "dim" }, t("sso.testing")));
    try {
      const found = await api.post("/admin/sso/ldap/test", body());
      clear(result).append(found.ok
        ? h("p", { class: "ok", "data-testid": "sso-test-ok" }, t("sso.test_ok", { n: found.users, sample: found.sample.join(", ") }))
        : h("p", { class: "form-error", "data-testid": "sso-test-failed" }, t("sso.test_failed", { message: found.message })));
    } catch (err) {
      clear(result).append(h("p", { class: "form-error" }, errorText(err)));
    }
  };
  const sync = async () => {
    clear(result).append(h("p", { class: "dim" }, t("sso.syncing")));
    try {
      clear(result).append(syncSummary(await api.post("/admin/sso/ldap/sync")));
    } catch (err) {
      clear(result).append(h("p", { class: "form-error" }, errorText(err)));
    }
  };
  const form = h("form", { class: "sso-form", "data-testid": "sso-ldap-form" },
    enabled.el,
    h("div", { class: "form-grid" }, fields.url.el,
      h("label", { class: "field" }, h("span", { class: "field-label" }, t("sso.field_security")), security),
      fields.bind_dn.el, password.el, fields.user_base_dn.el, fields.user_filter.el,
      fields.login_attribute.el, fields.email_attribute.el, fields.name_attribute.el,
      fields.access_group_dn.el, fields.admin_group_dn.el, interval.el),
    h("div", { class: "form-actions" },
      h("div", { class: "row" },
        h("button", { type: "button", class: "btn", onclick: test, "data-testid": "sso-ldap-test" }, t("sso.test")),
        settings.ldap && settings.ldap.enabled ? h("button", { type: "button", class: "btn", onclick: sync, "data-testid": "sso-ldap-sync" }, t("sso.sync_now")) : null,
        settings.ldap ? h("button", { type: "button", class: "btn danger", onclick: () => remove("ldap", reload) }, t("sso.remove")) : null),
      h("button", { type: "submit", class: "btn primary", "data-testid": "sso-ldap-save" }, t("action.save"))),
    result);
  form.addEventListener("submit", save);
  const last = settings.ldap && settings.ldap.last_sync;
  return h("section", { class: "card" }, h("h3", null, t("sso.ldap")), h("p", { class: "dim" }, t("sso.ldap_help")),
    last ? h("p", { class: "dim", "data-testid": "sso-last-sync" }, t("sso.last_sync", { when: formatDateTime(last.at) }), " · ", summaryText(last)) : null,
    form);
}

function summaryText(s) {
  return t("sso.sync_summary", { entries: s.directory_entries, checked: s.checked, updated: s.updated, disabled: s.disabled, enabled: s.enabled });
}

function syncSummary(s) {
  return h("p", { class: "ok", "data-testid": "sso-sync-summary" }, t("sso.synced"), " ", summaryText(s));
}

async function remove(kind, reload) {
  if (!(await confirmAction(t(`sso.remove_${kind}_confirm`)))) return;
  try {
    await api.del(`/admin/sso/${kind}`);
    reload();
  } catch (err) {
    fail(err);
  }
}

// ----- OpenID Connect ---------------------------------------------------------------------

function oidcCard(settings, reload) {
  const current = settings.oidc || { enabled: false, auto_create: true, allowed_domains: [] };
  const enabled = checkField("oidc_enabled", current.enabled);
  const display = textField("display_name", current.display_name, { placeholder: "Okta, Azure AD, Keycloak…" });
  const issuer = textField("issuer", current.issuer, { placeholder: "https://login.example.com" });
  const clientId = textField("client_id", current.client_id);
  const secret = textField("client_secret", "", { type: "password", autocomplete: "new-password", placeholder: current.has_client_secret ? t("sso.secret_kept") : "" });
  const domains = textField("allowed_domains", (current.allowed_domains || []).join(", "), { placeholder: "example.com" });
  const autoCreate = checkField("auto_create", current.auto_create);
  const redirect = settings.redirect_uri
    ? h("label", { class: "field" }, h("span", { class: "field-label" }, t("sso.field_redirect_uri")),
      h("input", { type: "text", readonly: true, value: settings.redirect_uri, "data-testid": "sso-redirect-uri" }))
    : h("p", { class: "form-error" }, t("sso.public_url_missing"));
  const form = h("form", { class: "sso-form", "data-testid": "sso-oidc-form" },
    enabled.el,
    h("div", { class: "form-grid" }, display.el, issuer.el, clientId.el, secret.el, domains.el, redirect),
    autoCreate.el,
    h("div", { class: "form-actions" },
      settings.oidc ? h("button", { type: "button", class: "btn danger", onclick: () => remove("oidc", reload) }, t("sso.remove")) : h("span"),
      h("button", { type: "submit", class: "btn primary", "data-testid": "sso-oidc-save" }, t("action.save"))));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = {
      enabled: enabled.input.checked, display_name: display.input.value.trim(), issuer: issuer.input.value.trim(),
      client_id: clientId.input.value.trim(), auto_create: autoCreate.input.checked,
      allowed_domains: domains.input.value.split(/[\s,，]+/).map((d) => d.trim()).filter(Boolean),
    };
    if (secret.input.value) body.client_secret = secret.input.value;
    try {
      await api.put("/admin/sso/oidc", body);
      toast(t("sso.saved"));
      reload();
    } catch (err) {
      fail(err);
    }
  });
  return h("section", { class: "card" }, h("h3", null, t("sso.oidc")), h("p", { class: "dim" }, t("sso.oidc_help")), form);
}
