// Admin › Files: the organisation's largest file, its quota and each person's quota (the policy,
// PATCH /admin/org/policy), and how much is stored, in all and per person (GET /admin/files/usage).
// Sizes are typed in MB/GB; the server keeps bytes. An empty quota means no limit.

import { api } from "../core/engine.js";
import { errorText, t } from "../core/i18n.js";
import { emit, state } from "../core/store.js";
import { ensureUsers } from "../core/history.js";
import { h } from "./dom.js";
import { toast } from "./dialogs.js";
import { userName } from "./names.js";
import { formatBytes } from "./attachments.js";
import { DEFAULT_MAX_FILE_BYTES } from "../core/uploads.js";

const MB = 1024 ** 2;
const GB = 1024 ** 3;
const fail = (err) => toast(errorText(err), "error");

/** A file setting of the organisation's policy (null: unlimited). */
const fileSetting = (org, name) => (org.policy ? org.policy[name] ?? null : null);

export function filesAdminPage(body) {
  const settings = h("section", { class: "card" }, h("h3", null, t("admin.files")), h("p", { class: "dim" }, t("files_admin.intro")));
  const usage = h("section", { class: "card", "data-testid": "files-usage" }, h("h3", null, t("files_admin.usage")));
  body.append(settings, usage);
  api.get("/org").then((org) => drawSettings(settings, org)).catch(fail);
  loadUsage(usage);
}

function drawSettings(card, org) {
  state.session.org = org;
  emit("session");
  const number = (name, value, unit) => h("input", {
    type: "number", min: unit === MB ? 1 : 0, step: "any", id: `files-${name}`, "data-testid": `files-${name}`,
    value: value === null || value === undefined ? "" : String(+(value / unit).toFixed(2)),
    placeholder: unit === MB ? "" : t("files_admin.unlimited"),
  });
  const inputs = {
    max_file_bytes: [number("max_file_bytes", fileSetting(org, "max_file_bytes") ?? DEFAULT_MAX_FILE_BYTES, MB), MB, "MB"],
    org_quota_bytes: [number("org_quota_bytes", fileSetting(org, "org_quota_bytes"), GB), GB, "GB"],
    user_quota_bytes: [number("user_quota_bytes", fileSetting(org, "user_quota_bytes"), GB), GB, "GB"],
  };
  const row = (name) => h("div", { class: "policy-row" },
    h("label", { for: `files-${name}` }, t(`files_admin.${name}`)),
    h("div", { class: "unit-field" }, inputs[name][0], h("span", { class: "dim" }, inputs[name][2])),
    h("p", { class: "dim policy-help" }, t(`files_admin.${name}_help`)));
  const form = h("form", { class: "policy-form", "data-testid": "files-admin-form" },
    row("max_file_bytes"), row("org_quota_bytes"), row("user_quota_bytes"),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "btn primary", "data-testid": "files-admin-save" }, t("action.save"))));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const change = {};
    for (const [name, [input, unit]] of Object.entries(inputs)) {
      change[name] = input.value === "" ? null : Math.round(Number(input.value) * unit);
    }
    if (change.max_file_bytes === null) change.max_file_bytes = DEFAULT_MAX_FILE_BYTES;
    try {
      state.session.org = await api.patch("/admin/org/policy", change);
      emit("session");
      toast(t("files_admin.saved"));
      loadUsage(document.querySelector('[data-testid="files-usage"]'));
    } catch (err) {
      fail(err);
    }
  });
  card.append(form);
}

async function loadUsage(card) {
  if (!card) return;
  try {
    const usage = await api.get("/admin/files/usage");
    const people = usage.users || [];
    await ensureUsers(people.map((u) => u.user_id));
    card.replaceChildren(h("h3", null, t("files_admin.usage")), totals(usage), usageTable(people, usage));
  } catch (err) {
    fail(err);
  }
}

function totals(usage) {
  const used = usage.files_bytes || 0;
  const quota = usage.org_quota_bytes;
  const count = (usage.users || []).reduce((sum, u) => sum + (u.files || 0), 0);
  const text = quota ? t("files_admin.total_of", { used: formatBytes(used), quota: formatBytes(quota) })
    : t("files_admin.total", { used: formatBytes(used) });
  return h("div", { class: "usage-total" },
    h("p", { "data-testid": "files-usage-total" }, text, ` · ${t("files_admin.files", { n: count })}`),
    quota ? h("progress", { class: "usage-bar", max: String(quota), value: String(Math.min(used, quota)) }) : null,
    h("p", { class: "dim usage-stored", "data-testid": "files-usage-stored" },
      t("files_admin.stored", { stored: formatBytes(usage.stored_bytes || 0), n: usage.stored_blobs || 0 })));
}

function usageTable(people, usage) {
  if (!people.length) return h("p", { class: "dim" }, t("files_admin.nobody"));
  const quota = usage.user_quota_bytes;
  const sorted = [...people].sort((a, b) => (b.bytes || 0) - (a.bytes || 0));
  return h("div", { class: "table-scroll" }, h("table", { class: "grid", "data-testid": "files-usage-table" },
    h("thead", null, h("tr", null, ["admin.name", "files_admin.used", "files_admin.count"].map((k) => h("th", null, t(k))))),
    h("tbody", null, sorted.map((u) => h("tr", { "data-user-id": u.user_id },
      h("td", null, userName(u.user_id)),
      h("td", null, quota ? t("files_admin.used_of", { used: formatBytes(u.bytes || 0), quota: formatBytes(quota) }) : formatBytes(u.bytes || 0)),
      h("td", null, String(u.files)))))));
}
