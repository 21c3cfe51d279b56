// Administration (organisation admins only): users and invite links.

import { api } from "../core/engine.js";
import { listOf, seg } from "../core/api.js";
import { errorText, formatDateTime, formatRelative, t } from "../core/i18n.js";
import { state } from "../core/store.js";
import { h, clear } from "./dom.js";
import { icon } from "./icons.js";
import { confirmAction, promptText, toast } from "./dialogs.js";
import { href } from "./router.js";

export function mountAdmin(el, tab) {
  if (state.session.user.role !== "admin") {
    el.append(h("div", { class: "empty-state" }, h("p", null, t("admin.forbidden"))));
    return () => {};
  }
  const body = h("div", { class: "stack" });
  el.append(h("div", { class: "page admin", "data-testid": "admin" },
    h("header", { class: "page-head" },
      h("a", { class: "icon-btn back", href: "#/", "aria-label": t("conv.back") }, icon("back", 22)),
      h("h2", null, t("admin.title"))),
    h("nav", { class: "tabs" },
      h("a", { class: ["tab", tab === "users" && "active"], href: href("admin", "users"), "data-testid": "admin-tab-users" }, t("admin.users")),
      h("a", { class: ["tab", tab === "invites" && "active"], href: href("admin", "invites"), "data-testid": "admin-tab-invites" }, t("admin.invites"))),
    body));
  if (tab === "invites") invitesPage(body);
  else usersPage(body);
  return () => {};
}

const fail = (err) => toast(errorText(err), "error");

// ----- users -------------------------------------------------------------------

function usersPage(body) {
  const table = h("tbody");
  const reload = async () => {
    try {
      const users = await api.all("/admin/users");
      clear(table).append(...users.map((u) => userRow(u, reload)));
    } catch (err) {
      fail(err);
    }
  };
  body.append(createUserForm(reload), h("section", { class: "card" },
    h("table", { class: "grid", "data-testid": "admin-users" },
      h("thead", null, h("tr", null, ["admin.name", "admin.username", "admin.role", "admin.status", ""].map((k) => h("th", null, k ? t(k) : "")))),
      table)));
  reload();
}

function createUserForm(reload) {
  const fields = {
    username: h("input", { type: "text", required: true, "data-testid": "new-username", autocomplete: "off" }),
    display_name: h("input", { type: "text", required: true, "data-testid": "new-display-name" }),
    password: h("input", { type: "password", required: true, minlength: 8, "data-testid": "new-password", autocomplete: "new-password" }),
    email: h("input", { type: "email", "data-testid": "new-email" }),
  };
  const admin = h("input", { type: "checkbox" });
  const form = h("form", { class: "form-grid" },
    Object.entries(fields).map(([k, input]) => h("label", null, t(`admin.${k}`), input)),
    h("label", { class: "check" }, admin, t("admin.make_admin")),
    h("button", { type: "submit", class: "btn primary", "data-testid": "create-user" }, t("admin.create_user")));
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

function userRow(u, reload) {
  const devices = h("ul", { class: "device-list", hidden: true });
  const toggle = async () => {
    try {
      await api.patch(`/admin/users/${seg(u.id)}`, { disabled: !u.disabled });
      reload();
    } catch (err) {
      fail(err);
    }
  };
  const reset = async () => {
    const password = await promptText(t("admin.reset_password_for", { name: u.username }));
    if (!password) return;
    try {
      await api.post(`/admin/users/${seg(u.id)}/password`, { password });
      toast(t("admin.password_reset"));
    } catch (err) {
      fail(err);
    }
  };
  const showDevices = async () => {
    devices.hidden = !devices.hidden;
    if (!devices.hidden) await renderDevices(u, devices);
  };
  return h("tr", { "data-user-id": u.id, "data-username": u.username },
    h("td", null, u.display_name),
    h("td", null, `@${u.username}`),
    h("td", null, t(`role.org_${u.role}`)),
    h("td", null, u.disabled ? h("span", { class: "tag danger" }, t("admin.disabled")) : t("admin.active")),
    h("td", { class: "actions" },
      h("button", { class: "btn small", "data-testid": "toggle-user", onclick: toggle }, u.disabled ? t("admin.enable") : t("admin.disable")),
      h("button", { class: "btn small", onclick: reset }, t("admin.reset_password")),
      h("button", { class: "btn small", onclick: showDevices }, t("admin.devices")),
      devices));
}

async function renderDevices(user, list) {
  try {
    const devices = listOf(await api.get(`/admin/users/${seg(user.id)}/devices`)).filter((d) => !d.revoked_at);
    clear(list).append(...devices.map((d) => h("li", { class: "device" },
      h("span", { class: "grow" }, d.name || d.id, " · ", formatRelative(d.last_seen_at || d.created_at)),
      h("button", {
        class: "link danger", onclick: async () => {
          try {
            await api.del(`/admin/users/${seg(user.id)}/devices/${seg(d.id)}`);
            renderDevices(user, list);
          } catch (err) {
            fail(err);
          }
        },
      }, t("settings.revoke")))));
    if (!devices.length) list.append(h("li", { class: "dim" }, t("admin.no_devices")));
  } catch (err) {
    fail(err);
  }
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
  return h("tr", { class: inv.revoked ? "dim" : null },
    h("td", null, formatDateTime(inv.created_at)),
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
