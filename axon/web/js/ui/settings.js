// Settings: profile, language, theme, notifications, password, security (2FA), devices, sign out.

import { api } from "../core/engine.js";
import { LANGUAGES, errorText, language, setLanguage, t } from "../core/i18n.js";
import { emit, on, state } from "../core/store.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";
import { avatar } from "./avatar.js";
import { currentTheme, setTheme } from "./theme.js";
import { askPermission, permission } from "./notify.js";
import { signOut } from "./session.js";
import { toast } from "./dialogs.js";
import { openEmojiPicker } from "./emoji.js";
import { chooseAvatar, removeAvatar } from "./avatar-editor.js";
import { deviceList } from "./devices.js";
import { passwordMeter } from "./password_meter.js";
import { securitySection } from "./settings_security.js";
import { smartRepliesSetting } from "./smart_replies.js";
import { calendarFeedSection } from "./calendar_feed.js";

export function mountSettings(el) {
  const devices = deviceList({
    base: "/me/devices", revokeAllPath: "/me/devices/revoke-others", revokeAllLabel: t("devices.revoke_others"),
    onCurrent: () => signOut(),
  });
  const stops = [];
  el.append(h("div", { class: "page settings", "data-testid": "settings" },
    h("header", { class: "page-head" },
      h("a", { class: "icon-btn back", href: "#/", title: t("conv.back"), "aria-label": t("conv.back") }, icon("back", 22)),
      h("h2", null, t("settings.title"))),
    profileSection(stops),
    preferencesSection(),
    calendarFeedSection(),
    passwordSection(),
    securitySection(),
    h("section", { class: "card", "data-testid": "my-devices" }, h("h3", null, t("settings.devices")), devices.el),
    h("section", { class: "card" },
      h("button", { class: "btn danger", "data-testid": "sign-out", onclick: () => signOut() }, t("settings.sign_out")))));
  stops.push(on("devices", devices.reload));
  return () => stops.forEach((stop) => stop());
}

function profileSection(stops) {
  const user = state.session.user;
  const name = h("input", { type: "text", value: user.display_name || "", maxlength: 80, "data-testid": "profile-name" });
  const title = h("input", { type: "text", value: user.title || "", maxlength: 80 });
  const status = h("input", { type: "text", value: user.status_text || "", maxlength: 140, "data-testid": "profile-status-text" });
  const statusEmoji = statusEmojiField(user.status_emoji || "");
  const timezone = timezoneSelect(user.timezone || "UTC");
  const receipts = h("input", { type: "checkbox", checked: user.read_receipts !== false });
  const pictureButtons = h("div", { class: "row avatar-actions" });
  const drawPictureButtons = () => pictureButtons.replaceChildren(
    h("button", { type: "button", class: "btn small", "data-testid": "avatar-change", onclick: () => chooseAvatar() }, t("avatar.change")),
    state.session.user.avatar ? h("button", { type: "button", class: "btn small", "data-testid": "avatar-remove", onclick: () => removeAvatar() }, t("avatar.remove")) : null);
  drawPictureButtons();
  stops.push(on("session", drawPictureButtons));
  const form = h("form", { class: "stack" },
    h("div", { class: "row" }, avatar(user.id, "lg"), h("div", null,
      h("div", { class: "strong", "data-testid": "whoami" }, user.display_name || user.username),
      h("div", { class: "dim" }, `@${user.username}`, user.role !== "member" ? ` · ${t(`role.org_${user.role}`)}` : ""),
      pictureButtons)),
    h("label", null, t("settings.display_name"), name),
    h("label", null, t("settings.job_title"), title),
    h("div", { class: "row status-row" }, h("label", { class: "grow" }, t("settings.status"), status), statusEmoji.el),
    h("label", null, t("settings.timezone"), timezone),
    h("label", { class: "check" }, receipts, t("settings.read_receipts")),
    h("div", { class: "row end" }, h("button", { type: "submit", class: "btn primary", "data-testid": "profile-save" }, t("action.save"))));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const updated = await api.patch("/me", {
        display_name: name.value.trim(), title: title.value.trim(), status_text: status.value.trim(), read_receipts: receipts.checked,
        status_emoji: statusEmoji.value(), timezone: timezone.value,
      });
      Object.assign(state.session.user, updated);
      state.users.set(updated.id, updated);
      emit("session");
      emit("users");
      toast(t("settings.saved"));
    } catch (err) {
      toast(errorText(err), "error");
    }
  });
  return h("section", { class: "card" }, h("h3", null, t("settings.profile")), form);
}

/** The status emoji: a button opening the picker, and one clearing it. */
function statusEmojiField(initial) {
  let value = initial;
  const show = h("button", {
    type: "button", class: "btn small status-emoji", "data-testid": "status-emoji", title: t("settings.status_emoji"),
    "aria-label": t("settings.status_emoji"), onclick: () => openEmojiPicker(show, (e) => { value = e; draw(); }, { label: t("settings.status_emoji") }),
  });
  const clearBtn = h("button", { type: "button", class: "link", "data-testid": "status-emoji-clear", onclick: () => { value = ""; draw(); } }, t("settings.clear"));
  const draw = () => {
    show.textContent = value || "🙂";
    show.classList.toggle("empty", !value);
    clearBtn.hidden = !value;
  };
  draw();
  return { el: h("span", { class: "status-emoji-field" }, show, clearBtn), value: () => value };
}

/** IANA time zones as the browser knows them (the server validates the name again). */
function timezoneSelect(current) {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const all = [...new Set(["UTC", current, ...zones])];
  return h("select", { "data-testid": "profile-timezone" }, all.map((z) => h("option", { value: z, selected: z === current }, z)));
}

function preferencesSection() {
  const lang = h("select", { "data-testid": "language-select" },
    Object.entries(LANGUAGES).map(([code, label]) => h("option", { value: code, selected: code === language() }, label)));
  lang.addEventListener("change", () => {
    setLanguage(lang.value, true);
    api.patch("/me", { locale: lang.value }).catch(() => {});
    emit("language");
  });
  const theme = h("select", { "data-testid": "theme-select" },
    ["auto", "light", "dark"].map((v) => h("option", { value: v, selected: v === currentTheme() }, t(`theme.${v}`))));
  theme.addEventListener("change", () => setTheme(theme.value));
  const notifications = permission();
  return h("section", { class: "card" }, h("h3", null, t("settings.preferences")),
    h("div", { class: "stack" },
      h("label", null, t("settings.language"), lang),
      h("label", null, t("settings.theme"), theme),
      smartRepliesSetting(),
      h("div", { class: "row" }, h("span", { class: "grow" }, t("settings.notifications"), ": ", t(`notifications.${notifications}`)),
        notifications === "default" ? h("button", { class: "btn small", onclick: async () => { await askPermission(); emit("language"); } }, t("settings.enable")) : null)));
}

function passwordSection() {
  const old = h("input", { type: "password", required: true, autocomplete: "current-password", "data-testid": "old-password" });
  const fresh = h("input", { type: "password", required: true, minlength: 8, autocomplete: "new-password", "data-testid": "new-password" });
  const form = h("form", { class: "form-grid" },
    h("label", null, t("settings.old_password"), old),
    h("label", null, t("settings.new_password"), fresh),
    passwordMeter(fresh, () => personalWords(state.session.user)),
    h("button", { type: "submit", class: "btn", "data-testid": "change-password" }, t("settings.change_password")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await api.post("/me/password", { old_password: old.value, new_password: fresh.value });
      form.reset();
      toast(t("settings.password_changed"));
    } catch (err) {
      toast(errorText(err), "error");
    }
  });
  return h("section", { class: "card" }, h("h3", null, t("settings.password")), form);
}

function personalWords(user) {
  return { username: user.username, display_name: user.display_name, email: user.email };
}
