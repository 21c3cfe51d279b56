// Two-factor authentication in the web client: adding an authenticator app (QR code and the secret as
// text), the recovery codes shown once, the second step of signing in, and enrolment at sign-in when
// the organisation requires 2FA. Settings › Security uses the same pieces (settings_security.js).
//
// The QR code is SVG made by the server; it is shown as an <img> of a blob: URL (the CSP allows
// blob: images, never inline scripts, and an SVG in an <img> runs nothing).

import { errorText, t } from "../core/i18n.js";
import { h, clear } from "./dom.js";

/** The QR code and the secret of a new TOTP enrolment ({secret, otpauth_uri, qr_svg}). */
export function enrolmentCode(enrolment) {
  const url = URL.createObjectURL(new Blob([enrolment.qr_svg], { type: "image/svg+xml" }));
  const qr = h("img", { class: "totp-qr", src: url, alt: t("twofa.qr_alt"), width: 200, height: 200, "data-testid": "totp-qr" });
  qr.addEventListener("load", () => URL.revokeObjectURL(url), { once: true });
  const grouped = enrolment.secret.match(/.{1,4}/g).join(" ");
  return h("div", { class: "totp-enrol" },
    h("ol", { class: "totp-steps" },
      h("li", null, t("twofa.step_app")),
      h("li", null, t("twofa.step_scan"), h("div", { class: "totp-qr-box" }, qr),
        h("details", null, h("summary", null, t("twofa.cant_scan")),
          h("p", { class: "dim" }, t("twofa.enter_key")),
          h("code", { class: "totp-secret", "data-testid": "totp-secret", "data-secret": enrolment.secret }, grouped))),
      h("li", null, t("twofa.step_code"))));
}

/** A one-line form for a code; `submit(code)` may throw an ApiError, shown under the field. */
export function codeForm({ label, submitLabel, submit, recovery = false, testid = "totp" }) {
  const input = h("input", {
    type: "text", required: true, autocomplete: "one-time-code", spellcheck: "false", maxlength: recovery ? 16 : 7,
    inputmode: recovery ? "text" : "numeric", pattern: recovery ? null : "[0-9 ]{6,7}", "data-testid": `${testid}-code`,
  });
  const error = h("p", { class: "form-error", role: "alert", "data-testid": `${testid}-error` });
  const button = h("button", { type: "submit", class: "btn primary", "data-testid": `${testid}-submit` }, submitLabel);
  const form = h("form", { class: "stack totp-form" }, h("label", null, label, input), error, button);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    error.textContent = "";
    try {
      await submit(input.value.trim());
    } catch (err) {
      error.textContent = errorText(err);
      input.select();
    } finally {
      button.disabled = false;
    }
  });
  queueMicrotask(() => input.focus());
  return form;
}

/** The recovery codes, shown once: a list, a download as text, and "I have saved them". */
export function recoveryCodesView(codes, onDone) {
  const text = `${t("twofa.codes_file_title")}\n\n${codes.join("\n")}\n`;
  const file = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
  const download = h("a", { class: "btn", download: "axon-recovery-codes.txt", "data-testid": "recovery-download", href: file }, t("twofa.download"));
  const done = () => {
    URL.revokeObjectURL(file);
    onDone();
  };
  return h("div", { class: "stack recovery-codes", "data-testid": "recovery-codes" },
    h("p", null, t("twofa.codes_explain")),
    h("ul", { class: "recovery-list" }, codes.map((c) => h("li", null, h("code", null, c)))),
    h("div", { class: "row" }, download,
      h("button", { type: "button", class: "btn primary", "data-testid": "recovery-saved", onclick: done }, t("twofa.saved_them"))));
}

/** After the password: the code (or a recovery code) that completes the sign-in. */
export function secondFactorCard(answer, api, deviceName, onSignedIn) {
  const box = h("div", { class: "stack", "data-testid": "second-factor" });
  let recovery = false;
  const draw = () => {
    clear(box).append(h("h2", null, t("twofa.title")),
      h("p", { class: "dim" }, t(recovery ? "twofa.recovery_prompt" : "twofa.code_prompt")),
      codeForm({
        label: t(recovery ? "twofa.recovery_code" : "twofa.code"), submitLabel: t("twofa.verify"), recovery, testid: "second-factor",
        submit: async (code) => onSignedIn(await api.post("/auth/login/second-factor", { challenge: answer.challenge, code, device_name: deviceName })),
      }),
      h("button", { type: "button", class: "link", "data-testid": "use-recovery", onclick: () => { recovery = !recovery; draw(); } },
        t(recovery ? "twofa.use_app" : "twofa.use_recovery")),
      h("a", { href: "#/", class: "dim", onclick: () => location.reload() }, t("twofa.start_over")));
  };
  draw();
  return box;
}

/** The organisation requires 2FA and this account has none: add an app now, then the session. */
export function enrolAtSignInCard(answer, api, deviceName, onSignedIn) {
  const box = h("div", { class: "stack", "data-testid": "enrol-required" },
    h("h2", null, t("twofa.required_title")), h("p", null, t("twofa.required_explain")),
    h("p", { class: "dim" }, t("timeline.loading")));
  api.post("/auth/two-factor/enrol", { challenge: answer.challenge }).then((enrolment) => {
    box.lastChild.replaceWith(enrolmentCode(enrolment), codeForm({
      label: t("twofa.code"), submitLabel: t("twofa.turn_on"), testid: "enrol",
      submit: async (code) => {
        const done = await api.post("/auth/two-factor/enrol/confirm", { challenge: answer.challenge, code, device_name: deviceName });
        clear(box).append(h("h2", null, t("twofa.codes_title")), recoveryCodesView(done.recovery_codes, () => onSignedIn(done.session)));
      },
    }));
  }).catch((err) => {
    box.lastChild.replaceWith(h("p", { class: "form-error", role: "alert" }, errorText(err)), h("a", { href: "#/", onclick: () => location.reload() }, t("twofa.start_over")));
  });
  return box;
}
