// A strength meter under a new-password field: the server's estimate (zxcvbn, with the account's own
// words), asked for after a pause in typing, shown as four bars and a word; a weak password is named
// before the form is sent, and the form refuses it with the server's reason anyway.

import { Api } from "../core/api.js";
import { t } from "../core/i18n.js";
import { h } from "./dom.js";

const api = new Api();
const PAUSE_MS = 300;
const LEVELS = ["very_weak", "weak", "fair", "strong", "very_strong"];

/** Attach to `input`; `personal()` returns {username, display_name, email} typed so far. Returns the meter element. */
export function passwordMeter(input, personal = () => ({})) {
  const bars = h("span", { class: "pw-bars", "aria-hidden": "true" }, [0, 1, 2, 3].map(() => h("span", { class: "pw-bar" })));
  const label = h("span", { class: "pw-label" });
  const meter = h("div", { class: "pw-meter", "data-testid": "password-meter", "aria-live": "polite", hidden: true }, bars, label);
  let timer = null;
  let asked = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    if (!input.value) {
      meter.hidden = true;
      return;
    }
    timer = setTimeout(async () => {
      const mine = ++asked;
      try {
        const body = { password: input.value };
        for (const [key, value] of Object.entries(personal())) if (value) body[key] = value;
        const result = await api.post("/auth/password-strength", body);
        if (mine !== asked) return; // a newer question is on its way
        const level = LEVELS[result.score];
        meter.hidden = false;
        meter.dataset.level = level;
        meter.dataset.acceptable = String(result.acceptable);
        label.textContent = result.acceptable ? t(`password.${level}`) : `${t(`password.${level}`)} · ${t("password.not_accepted")}`;
      } catch {
        meter.hidden = true; // the meter is advice: without it the form still works
      }
    }, PAUSE_MS);
  });
  return meter;
}
