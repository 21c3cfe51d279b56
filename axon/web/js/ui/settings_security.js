// Settings › Security: two-factor authentication with an authenticator app — turn it on (QR code, a
// code to confirm, the recovery codes shown once), make new recovery codes, turn it off (password and a
// code; not while the organisation requires it).

import { api } from "../core/engine.js";
import { errorText, formatDateTime, t } from "../core/i18n.js";
import { h, clear } from "./dom.js";
import { modal, toast } from "./dialogs.js";
import { codeForm, enrolmentCode, recoveryCodesView } from "./two_factor.js";

export function securitySection() {
  const body = h("div", { class: "stack", "data-testid": "twofa-settings" });
  const load = async () => {
    try {
      draw(body, await api.get("/me/two-factor"), load);
    } catch (err) {
      clear(body).append(h("p", { class: "form-error" }, errorText(err)));
    }
  };
  load();
  return h("section", { class: "card" }, h("h3", null, t("twofa.security")), body);
}

function draw(body, status, reload) {
  const state = status.totp_enabled
    ? h("p", { "data-testid": "twofa-state", "data-enabled": "true" }, h("span", { class: "tag ok" }, t("twofa.on")), " ",
      t("twofa.on_since", { when: formatDateTime(status.enabled_at) }), " · ", t("twofa.codes_left", { n: status.recovery_codes_left }))
    : h("p", { "data-testid": "twofa-state", "data-enabled": "false" }, h("span", { class: "tag" }, t("twofa.off")), " ", t("twofa.off_explain"));
  const actions = h("div", { class: "row" });
  if (status.totp_enabled) {
    actions.append(h("button", { type: "button", class: "btn", "data-testid": "twofa-new-codes", onclick: () => newCodes(reload) }, t("twofa.new_codes")));
    if (!status.required_by_org) actions.append(h("button", { type: "button", class: "btn danger", "data-testid": "twofa-disable", onclick: () => disable(reload) }, t("twofa.turn_off")));
  } else {
    actions.append(h("button", { type: "button", class: "btn primary", "data-testid": "twofa-enable", onclick: () => enable(reload) }, t("twofa.turn_on")));
  }
  const note = status.required_by_org ? h("p", { class: "dim", "data-testid": "twofa-required-note" }, t("twofa.required_by_org")) : "";
  clear(body).append(h("p", { class: "dim" }, t("twofa.explain")), state, note, actions);
}

async function enable(reload) {
  let enrolment;
  try {
    enrolment = await api.post("/me/two-factor/totp");
  } catch (err) {
    toast(errorText(err), "error");
    return;
  }
  const content = h("div", { class: "stack" });
  const { close } = modal(t("twofa.turn_on_title"), content, { testid: "twofa-enrol", onClose: reload });
  content.append(enrolmentCode(enrolment), codeForm({
    label: t("twofa.code"), submitLabel: t("twofa.turn_on"), testid: "enrol",
    submit: async (code) => {
      const { recovery_codes: codes } = await api.post("/me/two-factor/totp/confirm", { code });
      clear(content).append(recoveryCodesView(codes, () => close()));
      toast(t("twofa.enabled"));
    },
  }));
}

function newCodes(reload) {
  const password = passwordInput("twofa-password");
  const content = h("div", { class: "stack" });
  const form = h("form", { class: "stack" }, h("p", null, t("twofa.new_codes_explain")), h("label", null, t("twofa.password"), password),
    h("button", { type: "submit", class: "btn primary", "data-testid": "twofa-new-codes-submit" }, t("twofa.new_codes")));
  const error = h("p", { class: "form-error", role: "alert" });
  content.append(form, error);
  const { close } = modal(t("twofa.new_codes"), content, { testid: "twofa-codes-dialog", onClose: reload });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const { recovery_codes: codes } = await api.post("/me/two-factor/recovery-codes", { password: password.value });
      clear(content).append(recoveryCodesView(codes, () => close()));
    } catch (err) {
      error.textContent = errorText(err);
    }
  });
  queueMicrotask(() => password.focus());
}

function disable(reload) {
  const password = passwordInput("twofa-disable-password");
  const content = h("div", { class: "stack" }, h("p", null, t("twofa.turn_off_explain")), h("label", null, t("twofa.password"), password));
  const { close } = modal(t("twofa.turn_off"), content, { testid: "twofa-disable-dialog", onClose: reload });
  content.append(codeForm({
    label: t("twofa.code_or_recovery"), submitLabel: t("twofa.turn_off"), recovery: true, testid: "disable",
    submit: async (code) => {
      await api.post("/me/two-factor/disable", { password: password.value, code });
      toast(t("twofa.disabled"));
      close();
    },
  }));
  queueMicrotask(() => password.focus());
}

function passwordInput(testid) {
  return h("input", { type: "password", required: true, autocomplete: "current-password", "data-testid": testid });
}
