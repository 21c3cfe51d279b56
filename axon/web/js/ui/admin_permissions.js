// Admin › Permissions (the organisation's policy) and Admin › Modules (features switched on or off).
// Both answer the organisation with its new settings; every member's client also gets it live
// (the org.updated user event), which is what hides and shows features everywhere.

import { api } from "../core/engine.js";
import { errorText, t } from "../core/i18n.js";
import { emit, state } from "../core/store.js";
import { h } from "./dom.js";
import { toast } from "./dialogs.js";

const fail = (err) => toast(errorText(err), "error");

function adopt(org) {
  state.session.org = org;
  emit("session");
  emit("conversations");
}

const CHOICES = {
  create_public_channels: ["everyone", "admins"],
  create_private_groups: ["everyone", "admins"],
  invite_guests: ["admins", "everyone"],
  manage_integrations: ["admins", "everyone"],
  export: ["admins", "owners"],
};
const WINDOWS = ["edit_window_minutes", "delete_window_minutes"];

// Pages mount synchronously (the admin shell expects an unmount function or nothing back) and fill
// themselves once the organisation's current settings are loaded.
export function permissionsPage(body) {
  api.get("/org").then((org) => drawPermissions(body, org)).catch(fail);
}

function drawPermissions(body, org) {
  adopt(org);
  const policy = org.policy;
  const selects = Object.fromEntries(Object.entries(CHOICES).map(([name, choices]) => [name, h("select", {
    "data-testid": `policy-${name}`, id: `policy-${name}`,
  }, choices.map((c) => h("option", { value: c, selected: policy[name] === c }, t(`policy.who_${c}`))))]));
  const windows = Object.fromEntries(WINDOWS.map((name) => [name, h("input", {
    type: "number", min: 1, max: 525600, placeholder: t("policy.no_limit"), id: `policy-${name}`,
    value: policy[name] === null ? "" : String(policy[name]), "data-testid": `policy-${name}`,
  })]));
  const deleteOwn = h("input", { type: "checkbox", checked: policy.members_delete_own, "data-testid": "policy-members_delete_own" });
  const previews = h("input", { type: "checkbox", checked: policy.link_previews !== false, "data-testid": "policy-link_previews" });
  const field = (name, control, slot = false) => h("div", { class: "policy-row" },
    h("label", { for: `policy-${name}` }, t(`policy.${name}`), slot ? h("span", { class: "tag" }, t("modules.later")) : null),
    control, h("p", { class: "dim policy-help" }, t(`policy.${name}_help`)));
  const form = h("form", { class: "policy-form", "data-testid": "policy-form" },
    field("create_public_channels", selects.create_public_channels),
    field("create_private_groups", selects.create_private_groups),
    field("invite_guests", selects.invite_guests),
    field("edit_window_minutes", windows.edit_window_minutes),
    field("delete_window_minutes", windows.delete_window_minutes),
    h("div", { class: "policy-row" }, h("label", { class: "check" }, deleteOwn, t("policy.members_delete_own")),
      h("p", { class: "dim policy-help" }, t("policy.members_delete_own_help"))),
    h("div", { class: "policy-row" }, h("label", { class: "check" }, previews, t("policy.link_previews")),
      h("p", { class: "dim policy-help" }, t("policy.link_previews_help"))),
    field("manage_integrations", selects.manage_integrations, true),
    field("export", selects.export, true),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "btn primary", "data-testid": "policy-save" }, t("action.save"))));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const change = Object.fromEntries(Object.entries(selects).map(([k, s]) => [k, s.value]));
    for (const [k, input] of Object.entries(windows)) change[k] = input.value ? Number(input.value) : null;
    change.members_delete_own = deleteOwn.checked;
    change.link_previews = previews.checked;
    try {
      adopt(await api.patch("/admin/org/policy", change));
      toast(t("policy.saved"));
    } catch (err) {
      fail(err);
    }
  });
  body.append(h("section", { class: "card" }, h("h3", null, t("admin.permissions")),
    h("p", { class: "dim" }, t("policy.intro")), form));
}

export function modulesPage(body) {
  api.get("/org").then((org) => drawModules(body, org)).catch(fail);
}

function drawModules(body, org) {
  adopt(org);
  const built = new Set(org.modules_available || []);
  const list = h("ul", { class: "module-list", "data-testid": "module-list" });
  const row = (name) => {
    const available = built.has(name);
    const toggle = h("input", {
      type: "checkbox", role: "switch", checked: Boolean(state.session.org.modules[name]), disabled: !available,
      "data-testid": `module-${name}`, "aria-describedby": `module-${name}-help`,
    });
    toggle.addEventListener("change", async () => {
      try {
        adopt(await api.patch("/admin/org/modules", { [name]: toggle.checked }));
        toast(t(toggle.checked ? "modules.on" : "modules.off", { name: t(`modules.${name}`) }));
      } catch (err) {
        toggle.checked = !toggle.checked;
        fail(err);
      }
    });
    return h("li", { class: ["module", !available && "unavailable"], "data-module": name },
      h("label", { class: "module-switch" }, toggle, h("span", { class: "module-name" }, t(`modules.${name}`)),
        available ? null : h("span", { class: "tag", "data-testid": `module-${name}-later` }, t("modules.later"))),
      h("p", { class: "dim", id: `module-${name}-help` }, t(`modules.${name}_help`)));
  };
  list.append(...Object.keys(org.modules).map(row));
  body.append(h("section", { class: "card" }, h("h3", null, t("admin.modules")), h("p", { class: "dim" }, t("modules.intro")), list));
}
