// Administration (organisation admins only): users, invite links, the organisation (its name and
// default channels), sign-in (LDAP, OpenID Connect: admin-signin.js), its activity, its audit log
// (admin-audit.js), retention, legal holds and compliance exports (admin-compliance.js).

import { api } from "../core/engine.js";
import { clampQuery, listOf, seg } from "../core/api.js";
import { errorText, formatDateTime, language, t } from "../core/i18n.js";
import { emit, state } from "../core/store.js";
import { h, clear, debounce } from "./dom.js";
import { icon } from "./icons.js";
import { confirmAction, modal, promptText, toast } from "./dialogs.js";
import { deviceList } from "./devices.js";
import { href } from "./router.js";
import { passwordMeter } from "./password_meter.js";
import { signInPage } from "./admin-signin.js";
import { auditPage } from "./admin-audit.js";
import { compliancePage } from "./admin-compliance.js";
import { encryptionPage } from "./admin_encryption.js";
import { isOrgAdmin, isOrgOwner, moduleOn } from "../core/permissions.js";
import { modulesPage, permissionsPage } from "./admin_permissions.js";
import { filesAdminPage } from "./admin_files.js";
import { searchAdminPage } from "./admin_search.js";
import { aiAdminPage } from "./admin_ai.js";

const PAGES = { users: usersPage, invites: invitesPage, org: orgPage, signin: signInPage, permissions: permissionsPage,
  modules: modulesPage, files: filesAdminPage, search: searchAdminPage, ai: aiAdminPage, activity: activityPage, encryption: encryptionPage, audit: auditPage, compliance: compliancePage };

export function mountAdmin(el, tab) {
  if (!isOrgAdmin()) {
    el.append(h("div", { class: "empty-state" }, h("p", null, t("admin.forbidden"))));
    return () => {};
  }
  const current = PAGES[tab] ? tab : "users";
  const body = h("div", { class: "stack" });
  el.append(h("div", { class: "page admin", "data-testid": "admin" },
    h("header", { class: "page-head" },
      h("a", { class: "icon-btn back", href: "#/", "aria-label": t("conv.back") }, icon("back", 22)),
      h("h2", null, t("admin.title"))),
    h("nav", { class: "tabs" }, Object.keys(PAGES).map((name) => h("a", {
      class: ["tab", name === current && "active"], href: href("admin", name),
      "aria-current": name === current ? "page" : null, "data-testid": `admin-tab-${name}`,
    }, t(`admin.${name}`)))),
    body));
  return PAGES[current](body) || (() => {});
}

const fail = (err) => toast(errorText(err), "error");

// ----- users -------------------------------------------------------------------

// Paged and searched on the server (GET /admin/users?q=&cursor=): display name, username,
// e-mail and pinyin, like the directory.
const USERS_PAGE = 25;

function usersPage(body) {
  const table = h("tbody");
  const search = h("input", {
    type: "search", maxlength: 100, placeholder: t("admin.search_users"), "aria-label": t("admin.search_users"),
    "data-testid": "admin-user-search",
  });
  const empty = h("p", { class: "dim empty-note", hidden: true, "data-testid": "admin-users-empty" }, t("admin.no_users"));
  const more = h("button", { type: "button", class: "btn", hidden: true, "data-testid": "admin-users-more" }, t("admin.load_more"));
  let cursor = null;
  let latest = 0; // only the newest request may draw (typing fast sends several)
  const load = async (append) => {
    const ticket = ++latest;
    try {
      const page = await api.get("/admin/users", { q: clampQuery(search.value), cursor: append ? cursor : null, limit: USERS_PAGE });
      if (ticket !== latest) return;
      const rows = (page.items || []).map((u) => userRow(u));
      if (append) table.append(...rows);
      else clear(table).append(...rows);
      cursor = page.next_cursor || null;
      more.hidden = !cursor;
      empty.hidden = table.childElementCount > 0;
    } catch (err) {
      fail(err);
    }
  };
  const reload = () => load(false);
  const searchSoon = debounce(reload, 250);
  search.addEventListener("input", () => {
    latest += 1; // what is in flight answers the old text: drop it, and page on only once the new one is in
    more.hidden = true;
    searchSoon();
  });
  more.addEventListener("click", () => load(true));
  body.append(createUserForm(reload), h("section", { class: "card" },
    h("div", { class: "card-head" }, h("h3", null, t("admin.users")), search),
    h("div", { class: "table-scroll" }, h("table", { class: "grid", "data-testid": "admin-users" },
      h("thead", null, h("tr", null, ["admin.name", "admin.username", "admin.role", "admin.status", "admin.two_factor", ""].map((k) => h("th", null, k ? t(k) : "")))),
      table)),
    empty, h("div", { class: "load-more" }, more)));
  reload();
}

function createUserForm(reload) {
  const fields = {
    username: h("input", { type: "text", required: true, "data-testid": "new-username", autocomplete: "off" }),
    display_name: h("input", { type: "text", required: true, "data-testid": "new-display-name" }),
    password: h("input", { type: "password", required: true, minlength: 8, "data-testid": "new-password", autocomplete: "new-password" }),
    email: h("input", { type: "email", "data-testid": "new-email" }),
  };
  const admin = h("input", { type: "checkbox", "data-testid": "new-admin" });
  const meter = passwordMeter(fields.password, () => ({ username: fields.username.value, display_name: fields.display_name.value, email: fields.email.value }));
  const form = h("form", { class: "create-user-form", "data-testid": "create-user-form" },
    Object.entries(fields).map(([k, input]) => h("label", { class: "field" }, h("span", { class: "field-label" }, t(`admin.${k}`)), input, k === "password" ? meter : null)),
    h("div", { class: "form-actions" },
      h("label", { class: "check" }, admin, t("admin.make_admin")),
      h("button", { type: "submit", class: "btn primary", "data-testid": "create-user" }, t("admin.create_user"))));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = Object.fromEntries(Object.entries(fields).map(([k, input]) => [k, input.value.trim()]));
    if (!body.email) delete body.email;
    body.role = admin.checked ? "admin" : "member";
    try {
      await api.post("/admin/users", body);
      form.reset();
      toast(t("admin.user_created"));
      reload();
    } catch (err) {
      fail(err);
    }
  });
  return h("section", { class: "card" }, h("h3", null, t("admin.create_user")), form);
}

/** One user's row; a change answers the updated user, and the row redraws itself in place
 * (so the rows loaded with "Load more" stay). */
function userRow(u) {
  let row = null;
  const change = async (patch) => {
    // Disabling is offboarding: say what it does to the person's devices before doing it.
    if (patch.disabled && !(await confirmAction(t("devices.disable_confirm", { name: u.display_name })))) return;
    try {
      const updated = await api.patch(`/admin/users/${seg(u.id)}`, patch);
      row.replaceWith(userRow({ ...updated, two_factor: u.two_factor })); // PATCH answers the profile only
      if (updated.id === state.session.user.id) refreshMe(updated);
      return true;
    } catch (err) {
      fail(err);
      return false;
    }
  };
  const reset = async () => {
    const password = await promptText(t("admin.reset_password_for", { name: u.username }), "",
      { password: () => ({ username: u.username, display_name: u.display_name, email: u.email }) });
    if (!password) return;
    try {
      await api.post(`/admin/users/${seg(u.id)}/password`, { password });
      toast(t("admin.password_reset"));
    } catch (err) {
      fail(err);
    }
  };
  const showDevices = () => {
    const base = `/admin/users/${seg(u.id)}/devices`;
    const devices = deviceList({ base, revokeAllPath: `${base}/revoke-all`, revokeAllLabel: t("devices.revoke_all") });
    modal(t("devices.of_user", { name: u.display_name }), devices.el, { wide: true, testid: "user-devices" });
  };
  // Each row's buttons say whom they act on, for screen readers (the visible text is the same on every row).
  const labelled = (key) => ({ "aria-label": t("admin.row_action", { action: t(key), name: u.display_name }) });
  row = h("tr", { "data-user-id": u.id, "data-username": u.username, "data-role": u.role },
    h("td", null, u.display_name),
    h("td", null, `@${u.username}`),
    h("td", { "data-testid": "user-role" }, t(`role.org_${u.role}`)),
    h("td", null, u.disabled ? h("span", { class: "tag danger" }, t("admin.disabled")) : t("admin.active")),
    h("td", { "data-testid": "user-2fa", "data-enabled": String(Boolean(u.two_factor)) },
      u.two_factor ? h("span", { class: "tag ok" }, t("twofa.on")) : h("span", { class: "dim" }, t("twofa.off"))),
    h("td", { class: "actions" },
      h("button", { class: "btn small", "data-testid": "toggle-user", onclick: () => change({ disabled: !u.disabled }), ...labelled(u.disabled ? "admin.enable" : "admin.disable") }, u.disabled ? t("admin.enable") : t("admin.disable")),
      orgRoleSelect(u, change, labelled),
      h("button", { class: "btn small", "data-testid": "reset-password", onclick: reset, ...labelled("admin.reset_password") }, t("admin.reset_password")),
      u.two_factor && h("button", { class: "btn small", "data-testid": "reset-2fa", onclick: () => resetTwoFactor(u), ...labelled("admin.reset_2fa") }, t("admin.reset_2fa")),
      h("button", { class: "btn small", "data-testid": "show-devices", onclick: showDevices, ...labelled("admin.devices") }, t("admin.devices"))));
  return row;
}

/** The organisation role: only owners offer (and may change) "owner"; "guest" needs the guests module. */
function orgRoleSelect(u, change, labelled) {
  const roles = ["owner", "admin", "member", "guest"].filter((r) => r === u.role
    || (r !== "owner" || isOrgOwner()) && (r !== "guest" || moduleOn("guests")));
  const locked = u.role === "owner" && !isOrgOwner();
  const select = h("select", {
    class: "role-select", "data-testid": "user-role-select", disabled: locked, ...labelled("admin.role"),
    onchange: async () => { if (!(await change({ role: select.value }))) select.value = u.role; },
  }, roles.map((r) => h("option", { value: r, selected: r === u.role }, t(`role.org_${r}`))));
  return select;
}

/** Lost phone: remove the member's second factors; every device of theirs is signed out. */
async function resetTwoFactor(user) {
  if (!(await confirmAction(t("admin.reset_2fa_confirm", { name: user.display_name })))) return;
  try {
    await api.del(`/admin/users/${seg(user.id)}/two-factor`);
    toast(t("admin.reset_2fa_done", { name: user.display_name }));
    const row = document.querySelector(`tr[data-user-id="${CSS.escape(user.id)}"]`);
    if (row) row.replaceWith(userRow({ ...user, two_factor: false }));
  } catch (err) {
    fail(err);
  }
}

/** My own role changed (an admin who demotes themselves leaves the admin pages). */
function refreshMe(user) {
  state.session.user = { ...state.session.user, role: user.role };
  emit("session");
  if (!isOrgAdmin(user)) location.hash = "#/";
}

// ----- invites -------------------------------------------------------------------

function invitesPage(body) {
  const list = h("tbody");
  const created = h("div", { class: "invite-created", "data-testid": "invite-created" });
  const maxUses = h("input", { type: "number", min: 1, max: 10000, placeholder: "∞", "data-testid": "invite-max-uses" });
  const hours = h("input", { type: "number", min: 1, max: 8760, value: 168, "data-testid": "invite-hours" });
  const reload = async () => {
    try {
      const invites = listOf(await api.get("/admin/invites"));
      clear(list).append(...invites.map((inv) => inviteRow(inv, reload)));
    } catch (err) {
      fail(err);
    }
  };
  const form = h("form", { class: "form-grid" },
    h("label", null, t("admin.max_uses"), maxUses),
    h("label", null, t("admin.expires_hours"), hours),
    h("button", { type: "submit", class: "btn primary", "data-testid": "create-invite" }, t("admin.create_invite")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const invite = await api.post("/admin/invites", {
        max_uses: maxUses.value ? Number(maxUses.value) : null,
        expires_in_hours: hours.value ? Number(hours.value) : null,
      });
      const link = `${location.origin}/#/invite/${encodeURIComponent(invite.token)}`;
      const field = h("input", { type: "text", readonly: true, value: link, "data-testid": "invite-link" });
      clear(created).append(h("p", null, t("admin.invite_once")), h("div", { class: "row" }, field,
        h("button", { type: "button", class: "btn", onclick: () => copy(field) }, t("admin.copy"))));
      reload();
    } catch (err) {
      fail(err);
    }
  });
  body.append(h("section", { class: "card" }, h("h3", null, t("admin.create_invite")), form, created),
    h("section", { class: "card" }, h("table", { class: "grid", "data-testid": "admin-invites" },
      h("thead", null, h("tr", null, ["admin.created", "admin.expires", "admin.uses", ""].map((k) => h("th", null, k ? t(k) : "")))),
      list)));
  reload();
}

function inviteRow(inv, reload) {
  const revoke = async () => {
    if (!(await confirmAction(t("admin.revoke_invite_confirm")))) return;
    try {
      await api.del(`/admin/invites/${seg(inv.id)}`);
      reload();
    } catch (err) {
      fail(err);
    }
  };
  return h("tr", { class: inv.revoked ? "dim" : null, "data-role": inv.role || "member" },
    h("td", null, formatDateTime(inv.created_at),
      inv.role === "guest" ? h("span", { class: "tag guest" }, t("role.org_guest")) : null),
    h("td", null, inv.expires_at ? formatDateTime(inv.expires_at) : t("admin.never")),
    h("td", null, inv.max_uses ? `${inv.uses} / ${inv.max_uses}` : String(inv.uses)),
    h("td", null, inv.revoked ? t("admin.revoked") : h("button", { class: "btn small danger", onclick: revoke }, t("admin.revoke"))));
}

async function copy(field) {
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    toast(t("admin.copied"));
  } catch {
    document.execCommand("copy");
  }
}

// ----- organisation: its name and default channels ----------------------------------

function orgPage(body) {
  body.append(orgNameCard(), securityCard(), defaultChannelsCard());
}

// Requiring 2FA signs out every member without it; their next sign-in sends them to enrolment.
function securityCard() {
  const org = state.session.org || {};
  const required = h("input", { type: "checkbox", checked: Boolean(org.require_two_factor), "data-testid": "require-2fa" });
  const save = h("button", { type: "button", class: "btn primary", "data-testid": "require-2fa-save" }, t("action.save"));
  save.addEventListener("click", async () => {
    if (required.checked && !(state.session.org || {}).require_two_factor && !(await confirmAction(t("admin.require_2fa_confirm")))) return;
    try {
      const updated = await api.patch("/admin/org", { require_two_factor: required.checked });
      state.session.org = updated;
      emit("session");
      toast(t(updated.require_two_factor ? "admin.require_2fa_on" : "admin.require_2fa_off"));
    } catch (err) {
      required.checked = Boolean((state.session.org || {}).require_two_factor);
      fail(err);
    }
  });
  return h("section", { class: "card", "data-testid": "org-security" }, h("h3", null, t("admin.security")),
    h("label", { class: "check" }, required, t("admin.require_2fa")),
    h("p", { class: "dim" }, t("admin.require_2fa_help")), h("div", { class: "form-actions" }, save));
}

function orgNameCard() {
  const name = h("input", { type: "text", required: true, maxlength: 200, value: state.session.org ? state.session.org.name : "", "data-testid": "org-name-input" });
  const form = h("form", { class: "inline-form" },
    h("label", { class: "field grow" }, h("span", { class: "field-label" }, t("admin.org_name")), name),
    h("button", { type: "submit", class: "btn primary", "data-testid": "org-name-save" }, t("action.save")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const org = await api.patch("/admin/org", { name: name.value.trim() });
      state.session.org = org;
      emit("session"); // the sidebar header and the window title show the new name
      toast(t("admin.org_renamed"));
    } catch (err) {
      fail(err);
    }
  });
  return h("section", { class: "card" }, h("h3", null, t("admin.org")), form);
}

// New members join these public channels when their account is created (GET/PUT /admin/default-channels).
function defaultChannelsCard() {
  const list = h("ul", { class: "channel-picks", "aria-label": t("admin.default_channels"), "data-testid": "default-channels" });
  const save = h("button", { type: "button", class: "btn primary", "data-testid": "default-channels-save" }, t("action.save"));
  const load = async () => {
    try {
      const [chosen, channels] = await Promise.all([api.get("/admin/default-channels"), api.get("/channels", { limit: 500 })]);
      const ids = new Set(chosen.map((c) => c.id));
      // The chosen ones first, in their order; then the other public channels that could be chosen.
      const others = listOf(channels).filter((c) => !ids.has(c.id) && !c.archived);
      clear(list).append(...chosen.concat(others).map((c) => h("li", null, h("label", { class: "check" },
        h("input", { type: "checkbox", value: c.id, checked: ids.has(c.id), "data-testid": `default-channel-${c.name}` }),
        `#${c.name}`))));
    } catch (err) {
      fail(err);
    }
  };
  save.addEventListener("click", async () => {
    const channelIds = [...list.querySelectorAll("input:checked")].map((input) => input.value);
    try {
      await api.put("/admin/default-channels", { channel_ids: channelIds });
      toast(t("admin.default_channels_saved"));
      load();
    } catch (err) {
      fail(err);
    }
  });
  load();
  return h("section", { class: "card" }, h("h3", null, t("admin.default_channels")),
    h("p", { class: "dim" }, t("admin.default_channels_help")), list, h("div", { class: "form-actions" }, save));
}

// ----- activity ------------------------------------------------------------------
// GET /admin/activity: one entry per UTC day, oldest first, zeros included. The counts
// land a moment after each commit, so the page reloads them while it is open.

const RANGES = [7, 30, 90];
const COUNTS = ["messages", "replies", "reactions", "joins"];
const REFRESH_MS = 5000;
let rangeDays = 30; // the chosen range, kept while this tab lives

function activityPage(body) {
  const picker = h("div", { class: "segmented", role: "group", "aria-label": t("activity.range") });
  const content = h("div", { class: "stack", "aria-live": "polite", "data-testid": "activity" },
    h("p", { class: "dim", "data-testid": "activity-loading" }, t("activity.loading")));
  body.append(h("div", { class: "row activity-toolbar" }, picker, h("span", { class: "dim note" }, t("activity.utc_note"))), content);
  let shown = null; // signature of the data on screen: a refresh that changes nothing redraws nothing
  let latest = 0; // only the newest request may draw (a slow answer for an older range is dropped)
  let alive = true;
  const load = async (quiet = false) => {
    const ticket = ++latest;
    try {
      const days = await api.get("/admin/activity", { days: rangeDays });
      const signature = JSON.stringify(days);
      if (!alive || ticket !== latest || signature === shown) return;
      shown = signature;
      clear(content).append(...activityView(days));
    } catch (err) {
      if (!alive || ticket !== latest || quiet) return; // a failed background refresh keeps what is shown
      shown = null;
      clear(content).append(h("div", { class: "empty-state", "data-testid": "activity-error" },
        h("p", null, t("activity.failed")), h("button", { class: "btn", onclick: () => load() }, t("action.retry"))));
      fail(err);
    }
  };
  const choose = (n) => {
    rangeDays = n;
    drawPicker();
    load();
  };
  const drawPicker = () => clear(picker).append(...RANGES.map((n) => h("button", {
    type: "button", class: "seg", "aria-pressed": String(n === rangeDays), "data-testid": `activity-range-${n}`,
    onclick: () => n !== rangeDays && choose(n),
  }, t("activity.last_days", { n }))));
  drawPicker();
  load();
  const timer = setInterval(() => document.visibilityState === "visible" && load(true), REFRESH_MS);
  return () => {
    alive = false;
    clearInterval(timer);
  };
}

function activityView(days) {
  const active = days.filter((d) => COUNTS.some((k) => d[k] > 0));
  if (!active.length) {
    return [totalsView(days), h("section", { class: "card" },
      h("p", { class: "empty-state", "data-testid": "activity-empty" }, t("activity.empty")))];
  }
  return [totalsView(days), chartCard(days), daysCard(active.reverse())];
}

function totalsView(days) {
  return h("dl", { class: "stats", "aria-label": t("activity.totals"), "data-testid": "activity-totals" },
    COUNTS.map((k) => h("div", { class: "stat" },
      h("dt", null, t(`activity.${k}`)),
      h("dd", { "data-testid": `activity-total-${k}` }, formatCount(days.reduce((sum, d) => sum + d[k], 0))))));
}

function chartCard(days) {
  const peak = Math.max(...days.map((d) => d.messages + d.replies));
  const bars = days.map((d) => h("div", {
    class: "bar", "data-day": d.day,
    title: t("activity.bar_title", { day: formatUtcDay(d.day, "long"), messages: formatCount(d.messages), replies: formatCount(d.replies) }),
  }, barSegment("replies", d.replies, peak), barSegment("messages", d.messages, peak)));
  return h("section", { class: "card" },
    h("div", { class: "card-head" }, h("h3", null, t("activity.chart")),
      h("div", { class: "legend" }, ["messages", "replies"].map((k) => h("span", null, h("i", { class: `swatch ${k}` }), t(`activity.${k}`))))),
    h("div", {
      class: ["chart", days.length > 31 && "dense"], role: "img", "data-testid": "activity-chart",
      "aria-label": t("activity.chart_label", { range: t("activity.last_days", { n: days.length }) }),
    }, peak > 0 && h("span", { class: "chart-peak" }, formatCount(peak)), bars),
    h("div", { class: "chart-axis dim" },
      h("span", null, formatUtcDay(days[0].day, "short")), h("span", null, formatUtcDay(days[days.length - 1].day, "short"))));
}

function barSegment(kind, value, peak) {
  const el = h("span", { class: ["bar-seg", kind, value > 0 && "some"] });
  el.style.height = `${peak ? (value / peak) * 100 : 0}%`; // through the CSSOM: no inline style attribute
  return el;
}

function daysCard(newestFirst) {
  const year = newestFirst[0].day.slice(0, 4); // other years' days show their year
  return h("section", { class: "card" }, h("h3", null, t("activity.days")),
    h("div", { class: "table-scroll" }, h("table", { class: "grid activity-days", "data-testid": "activity-days" },
      h("thead", null, h("tr", null, h("th", null, t("activity.day")), COUNTS.map((k) => h("th", { class: "num" }, t(`activity.${k}`))))),
      h("tbody", null, newestFirst.map((d) => h("tr", { "data-day": d.day },
        h("td", null, h("time", { datetime: d.day }, formatUtcDay(d.day, d.day.startsWith(year) ? "row" : "long"))),
        COUNTS.map((k) => h("td", { class: "num" }, formatCount(d[k])))))))));
}

// The server's days are UTC days: format them in UTC, or a browser west of Greenwich shows the day before.
const DAY_STYLES = {
  short: { month: "short", day: "numeric" },
  row: { weekday: "short", month: "short", day: "numeric" },
  long: { weekday: "short", year: "numeric", month: "short", day: "numeric" },
};
const dayFormats = new Map();

function formatUtcDay(day, style) {
  const key = `${language()}|${style}`;
  if (!dayFormats.has(key)) dayFormats.set(key, new Intl.DateTimeFormat(language(), { timeZone: "UTC", ...DAY_STYLES[style] }));
  return dayFormats.get(key).format(new Date(`${day}T00:00:00Z`));
}

const formatCount = (n) => new Intl.NumberFormat(language()).format(n);
