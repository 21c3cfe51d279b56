// Single sign-on on the sign-in page: the organisation's options (GET /auth/sso/options), the
// "Sign in with <provider>" button that starts an OpenID Connect sign-in, and the page the provider
// sends the browser back to (#/sso/<state>), which finishes it with the binding kept in this tab.

import { Api } from "../core/api.js";
import { errorText, t } from "../core/i18n.js";
import { h, clear, debounce } from "./dom.js";

const publicApi = new Api();
const BINDING_KEY = "axon.sso.binding";

/** The SSO part of the sign-in form; follows the organisation typed in `orgInput` (or the server's only one).
 * Its `dataset.org` holds the organisation the options are for, so a directory password reaches it. */
export function ssoChoices(orgInput) {
  const box = h("div", { class: "sso-choices stack", "data-testid": "sso-choices", hidden: true });
  let latest = 0;
  const load = async () => {
    const ticket = ++latest;
    const org = orgInput.value.trim();
    try {
      const options = await publicApi.get("/auth/sso/options", org ? { org } : undefined);
      if (ticket === latest) draw(box, options);
    } catch {
      if (ticket === latest) {
        clear(box).hidden = true;
        delete box.dataset.org;
      }
    }
  };
  orgInput.addEventListener("input", debounce(load, 300));
  load();
  return box;
}

function draw(box, options) {
  clear(box);
  box.dataset.org = options.org;
  if (options.oidc) {
    const button = h("button", { type: "button", class: "btn primary wide sso-button", "data-testid": "sso-oidc" },
      t("sso.sign_in_with", { name: options.oidc }));
    const error = h("p", { class: "form-error", role: "alert", "data-testid": "sso-error" });
    button.addEventListener("click", () => startOidc(options.org, button, error));
    box.append(button, error);
  }
  if (options.ldap) box.append(h("p", { class: "dim", "data-testid": "sso-ldap-hint" }, t("sso.ldap_hint", { org: options.org_name })));
  if (options.sso_required) box.append(h("p", { class: "dim", "data-testid": "sso-required-hint" }, t("sso.required_hint")));
  if (options.oidc) box.append(h("div", { class: "sso-or", role: "separator" }, h("span", null, t("sso.or"))));
  box.hidden = !box.childElementCount;
}

async function startOidc(org, button, error) {
  button.disabled = true;
  error.textContent = "";
  // Only this tab knows the binding: a link to #/sso/<state> opened anywhere else signs nobody in.
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const binding = btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  sessionStorage.setItem(BINDING_KEY, binding);
  try {
    const { authorization_url: url } = await publicApi.post("/auth/oidc/start", { org, binding });
    location.assign(url);
  } catch (err) {
    error.textContent = errorText(err);
    button.disabled = false;
  }
}

/** Back from the provider: hand the binding in for this device's session. */
export function ssoCard(state, deviceName, onSignedIn) {
  const box = h("div", { class: "stack", "data-testid": "sso-page", role: "status" }, h("p", { class: "dim" }, t("sso.working")));
  const binding = sessionStorage.getItem(BINDING_KEY) || "";
  sessionStorage.removeItem(BINDING_KEY);
  publicApi.post("/auth/oidc/finish", { state, binding, device_name: deviceName })
    .then((result) => onSignedIn(result))
    .catch((err) => clear(box).append(...failure(err.code || "sso_rejected", errorText(err))));
  return box;
}

export function ssoFailedCard(code) {
  return h("div", { class: "stack", "data-testid": "sso-page", role: "status" }, ...failure(code, errorText({ code })));
}

function failure(code, text) {
  return [h("h2", null, t("sso.failed_title")), h("p", { class: "form-error", "data-testid": "sso-failure", "data-code": code }, text),
    h("a", { href: "#/" }, t("sso.back"))];
}
