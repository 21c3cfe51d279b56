// The signed-out screens: sign in (with the organisation's single sign-on, #/login/<org>); sign up
// through an invite link (#/invite/<token>) or with a work e-mail address (#/signup), which mails a
// confirmation link (#/confirm/<token>); back from an OpenID Connect provider (#/sso/<state>). A right
// password for an account with two-factor authentication (or one its organisation sends to enrolment)
// answers a challenge: the card is replaced by the next step (two_factor.js).

import { Api, seg } from "../core/api.js";
import { LANGUAGES, errorText, formatDateTime, language, setLanguage, t } from "../core/i18n.js";
import { on, state } from "../core/store.js";
import { h, clear } from "./dom.js";
import { passwordMeter } from "./password_meter.js";
import { ssoCard, ssoChoices, ssoFailedCard } from "./sso-login.js";
import { enrolAtSignInCard, secondFactorCard } from "./two_factor.js";

const publicApi = new Api();
let stopRoute = null;
let currentCard = null; // the card shown, replaced by the next step of a two-factor sign-in

export function mountSignedOut(root, reason, onSignedIn) {
  if (stopRoute) stopRoute();
  const draw = () => {
    clear(root);
    const page = h("main", { class: "auth-page" });
    root.append(page);
    const name = state.route.name;
    const card = currentCard = name === "invite" ? inviteCard(state.route.token, onSignedIn)
      : name === "signup" ? openSignupCard()
      : name === "confirm" ? confirmCard(state.route.token, onSignedIn)
      : name === "sso" ? ssoCard(state.route.state, deviceName(), (result) => finish(result, onSignedIn))
      : name === "sso-failed" ? ssoFailedCard(state.route.code)
      : loginCard(reason, onSignedIn, name === "login" ? state.route.org : "");
    page.append(h("div", { class: "auth-card" }, h("div", { class: "brand" }, h("img", { src: "icon.svg", alt: "", width: 40, height: 40 }), h("h1", null, "Axon")),
      card, languagePicker(draw)));
  };
  draw();
  stopRoute = on("route", draw);
}

function languagePicker(redraw) {
  const select = h("select", { class: "lang-select", "aria-label": "Language / 语言", "data-testid": "login-language" },
    Object.entries(LANGUAGES).map(([code, label]) => h("option", { value: code, selected: code === language() }, label)));
  select.addEventListener("change", () => {
    setLanguage(select.value, true);
    redraw();
  });
  return h("div", { class: "auth-foot" }, select);
}

function field(label, attrs) {
  const input = h("input", attrs);
  return { input, el: h("label", null, t(label), input) };
}

function finish(result, onSignedIn) {
  if (result && result.challenge) {
    const next = result.status === "enrolment_required" ? enrolAtSignInCard : secondFactorCard;
    const card = next(result, publicApi, deviceName(), (session) => finish(session, onSignedIn));
    currentCard.replaceWith(card);
    currentCard = card;
    return;
  }
  if (stopRoute) stopRoute();
  stopRoute = null;
  onSignedIn(result);
}

function deviceName() {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox" : /Chrom/.test(ua) ? "Chromium" : /Safari\//.test(ua) ? "Safari" : "Browser";
  return `Web · ${browser}`;
}

function loginCard(reason, onSignedIn, routeOrg) {
  const login = field("login.login", { type: "text", name: "username", autocomplete: "username", required: true, "data-testid": "login-user" });
  const password = field("login.password", { type: "password", name: "password", autocomplete: "current-password", required: true, "data-testid": "login-password" });
  const org = field("login.org", { type: "text", name: "org", autocomplete: "organization", value: routeOrg || null, "data-testid": "login-org" });
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "login-error" }, reason ? t(`login.reason_${reason}`) : "");
  const submit = h("button", { type: "submit", class: "btn primary wide", "data-testid": "login-submit" }, t("login.submit"));
  const sso = ssoChoices(org.input);
  const form = h("form", { class: "stack", "data-testid": "login-form" },
    h("h2", null, t("login.title")), sso, login.el, password.el,
    h("details", null, h("summary", null, t("login.org_optional")), org.el),
    error, submit, h("a", { href: "#/signup", class: "dim", "data-testid": "to-signup" }, t("signup.link")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    error.textContent = "";
    try {
      const body = { login: login.input.value.trim(), password: password.input.value, device_name: deviceName() };
      const orgSlug = org.input.value.trim() || sso.dataset.org || "";
      if (orgSlug) body.org = orgSlug;
      finish(await publicApi.post("/auth/login", body), onSignedIn);
    } catch (err) {
      error.textContent = err.status === 401 ? t("login.bad_credentials") : errorText(err);
      submit.disabled = false;
    }
  });
  queueMicrotask(() => login.input.focus());
  return form;
}

function inviteCard(token, onSignedIn) {
  const box = h("div", { class: "stack", "data-testid": "invite-page" }, h("p", { class: "dim" }, t("timeline.loading")));
  publicApi.get(`/invites/${seg(token)}`).then((info) => {
    clear(box);
    if (!info.valid) {
      box.append(h("h2", null, t("invite.invalid")), h("a", { href: "#/" }, t("invite.to_login")));
      return;
    }
    box.append(signupForm(token, info, onSignedIn));
  }).catch((err) => {
    clear(box).append(h("h2", null, t("invite.invalid")), h("p", { class: "form-error" }, errorText(err)), h("a", { href: "#/" }, t("invite.to_login")));
  });
  return box;
}

function signupForm(token, info, onSignedIn) {
  const username = field("invite.username", { type: "text", required: true, autocomplete: "username", pattern: "[a-z0-9][a-z0-9._\\-]{1,63}", "data-testid": "signup-username" });
  const display = field("invite.display_name", { type: "text", required: true, maxlength: 80, autocomplete: "name", "data-testid": "signup-display-name" });
  const email = field("invite.email", { type: "email", autocomplete: "email", "data-testid": "signup-email" });
  const password = field("invite.password", { type: "password", required: true, minlength: 8, autocomplete: "new-password", "data-testid": "signup-password" });
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "signup-error" });
  const submit = h("button", { type: "submit", class: "btn primary wide", "data-testid": "signup-submit" }, t("invite.submit"));
  const form = h("form", { class: "stack", "data-testid": "signup-form" },
    h("h2", null, t("invite.title", { org: info.org_name })),
    info.expires_at ? h("p", { class: "dim" }, t("invite.expires", { when: formatDateTime(info.expires_at) })) : null,
    username.el, display.el, email.el, password.el,
    passwordMeter(password.input, () => ({ username: username.input.value, display_name: display.input.value, email: email.input.value })),
    error, submit);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    error.textContent = "";
    try {
      const body = {
        invite_token: token, username: username.input.value.trim().toLowerCase(), display_name: display.input.value.trim(),
        password: password.input.value, locale: language(), device_name: deviceName(),
      };
      if (email.input.value.trim()) body.email = email.input.value.trim();
      finish(await publicApi.post("/auth/signup", body), onSignedIn);
    } catch (err) {
      error.textContent = errorText(err);
      submit.disabled = false;
    }
  });
  return form;
}

function openSignupCard() {
  const org = field("signup.org", { type: "text", required: true, autocomplete: "organization", "data-testid": "open-signup-org" });
  const email = field("signup.email", { type: "email", required: true, autocomplete: "email", "data-testid": "open-signup-email" });
  const username = field("invite.username", { type: "text", required: true, autocomplete: "username", pattern: "[a-z0-9][a-z0-9._\\-]{1,63}", "data-testid": "open-signup-username" });
  const display = field("invite.display_name", { type: "text", required: true, maxlength: 80, autocomplete: "name", "data-testid": "open-signup-display-name" });
  const password = field("invite.password", { type: "password", required: true, minlength: 8, autocomplete: "new-password", "data-testid": "open-signup-password" });
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "open-signup-error" });
  const submit = h("button", { type: "submit", class: "btn primary wide", "data-testid": "open-signup-submit" }, t("signup.submit"));
  const box = h("div", { class: "stack" });
  const form = h("form", { class: "stack", "data-testid": "open-signup-form" },
    h("h2", null, t("signup.title")), h("p", { class: "dim" }, t("signup.explain")),
    org.el, email.el, username.el, display.el, password.el,
    passwordMeter(password.input, () => ({ username: username.input.value, display_name: display.input.value, email: email.input.value })),
    error, submit,
    h("a", { href: "#/", class: "dim" }, t("signup.back")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    error.textContent = "";
    try {
      const sent = await publicApi.post("/auth/signup", {
        org: org.input.value.trim(), email: email.input.value.trim(), username: username.input.value.trim().toLowerCase(),
        display_name: display.input.value.trim(), password: password.input.value, locale: language(),
      });
      clear(box).append(h("div", { class: "stack", "data-testid": "open-signup-sent", role: "status" },
        h("h2", null, t("signup.sent_title")), h("p", null, t("signup.sent", { email: sent.email })),
        h("a", { href: "#/" }, t("signup.back"))));
    } catch (err) {
      error.textContent = errorText(err);
      submit.disabled = false;
    }
  });
  box.append(form);
  queueMicrotask(() => org.input.focus());
  return box;
}

function confirmCard(token, onSignedIn) {
  const box = h("div", { class: "stack", "data-testid": "confirm-page", role: "status" }, h("p", { class: "dim" }, t("confirm.working")));
  publicApi.post("/auth/confirm-email", { token, device_name: deviceName() })
    .then((result) => finish(result, onSignedIn))
    .catch((err) => {
      clear(box).append(h("h2", null, t("confirm.failed_title")), h("p", { class: "form-error", "data-testid": "confirm-error" }, errorText(err)),
        h("a", { href: "#/signup" }, t("confirm.again")));
    });
  return box;
}
