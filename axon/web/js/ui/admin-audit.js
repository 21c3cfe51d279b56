// Admin › Audit log: who did what, from where, newest first (GET /admin/audit), filtered by action,
// actor, target and dates, paged with "Load more"; the filtered entries download as JSON lines or CSV
// (GET /admin/audit/export, itself recorded in the log).

import { api } from "../core/engine.js";
import { errorText, formatDateTime, has, t } from "../core/i18n.js";
import { h, clear } from "./dom.js";
import { toast } from "./dialogs.js";

const PAGE = 50;
// The actions the filter offers: whole areas first (a prefix ending in "."), then each action.
export const AUDIT_ACTIONS = [
  "auth.", "user.", "device.", "org.", "invite.", "conversation.", "legal_hold.", "retention.", "export.", "audit.",
  "auth.login", "auth.login_failed", "auth.logout", "auth.signup_requested", "auth.password_changed",
  "auth.password_reset", "device.revoked", "user.created", "user.disabled", "user.enabled", "user.role_changed",
  "org.created", "org.renamed", "org.policy_changed", "org.default_channels_changed", "invite.created",
  "invite.revoked", "conversation.role_changed", "conversation.retention_changed", "legal_hold.placed",
  "legal_hold.released", "retention.applied", "export.conversation", "export.user", "audit.exported",
];

const fail = (err) => toast(errorText(err), "error");

/** An action's name in the reader's language (actions added by later features show their code). */
export function actionLabel(action) {
  const key = `audit.action.${action}`;
  return has(key) ? t(key) : action;
}

export function auditPage(body) {
  const filters = { action: "", actor: null, target: null, since: "", until: "" }; // actor/target: {id, name}
  const rows = h("tbody");
  const empty = h("p", { class: "dim empty-note", hidden: true, "data-testid": "audit-empty" }, t("audit.empty"));
  const more = h("button", { type: "button", class: "btn", hidden: true, "data-testid": "audit-more" }, t("admin.load_more"));
  const chips = h("div", { class: "audit-chips", "aria-live": "polite" });
  let before = null;
  let latest = 0; // only the newest request may draw

  const query = () => {
    const q = {};
    if (filters.action) q.action = filters.action;
    if (filters.actor) q.actor = filters.actor.id;
    if (filters.target) q.target = filters.target.id;
    if (filters.since) q.since = localDayStart(filters.since, 0);
    if (filters.until) q.until = localDayStart(filters.until, 1); // the whole chosen day
    return q;
  };
  const load = async (append) => {
    const ticket = ++latest;
    try {
      const page = await api.get("/admin/audit", { ...query(), limit: PAGE, before: append ? before : null });
      if (ticket !== latest) return;
      const drawn = page.items.map((entry) => entryRow(entry, narrow));
      if (append) rows.append(...drawn);
      else clear(rows).append(...drawn);
      before = page.next_before;
      more.hidden = before === null;
      empty.hidden = rows.childElementCount > 0;
    } catch (err) {
      fail(err);
    }
  };
  const reload = () => {
    drawChips();
    load(false);
  };
  // Clicking a name in the table narrows the log to that actor or target.
  const narrow = (kind, id, name) => {
    filters[kind] = { id, name };
    reload();
  };
  const drawChips = () => clear(chips).append(...["actor", "target"].filter((k) => filters[k]).map((k) =>
    h("span", { class: "chip", "data-testid": `audit-chip-${k}` }, t(`audit.${k}_is`, { name: filters[k].name }),
      h("button", {
        type: "button", class: "link", "aria-label": t("audit.remove_filter"),
        onclick: () => { filters[k] = null; reload(); },
      }, "×"))));

  const action = h("select", { "data-testid": "audit-action", "aria-label": t("audit.action") },
    h("option", { value: "" }, t("audit.all_actions")),
    AUDIT_ACTIONS.map((a) => h("option", { value: a }, a.endsWith(".") ? t("audit.area", { area: actionLabel(a) }) : actionLabel(a))));
  const since = h("input", { type: "date", "data-testid": "audit-since" });
  const until = h("input", { type: "date", "data-testid": "audit-until" });
  for (const [input, key] of [[action, "action"], [since, "since"], [until, "until"]]) {
    input.addEventListener("change", () => {
      filters[key] = input.value;
      reload();
    });
  }
  const exportAs = (format) => h("button", {
    type: "button", class: "btn", "data-testid": `audit-export-${format}`, onclick: () => download(format, query()),
  }, t(`audit.export_${format}`));
  more.addEventListener("click", () => load(true));
  body.append(h("section", { class: "card" },
    h("div", { class: "card-head" }, h("h3", null, t("admin.audit")),
      h("div", { class: "row" }, exportAs("csv"), exportAs("jsonl"))),
    h("p", { class: "dim" }, t("audit.help")),
    h("div", { class: "audit-filters", "data-testid": "audit-filters" },
      h("label", { class: "field" }, h("span", { class: "field-label" }, t("audit.action")), action),
      h("label", { class: "field" }, h("span", { class: "field-label" }, t("audit.since")), since),
      h("label", { class: "field" }, h("span", { class: "field-label" }, t("audit.until")), until)),
    chips,
    h("div", { class: "table-scroll" }, h("table", { class: "grid audit-log", "data-testid": "audit-log" },
      h("thead", null, h("tr", null, ["audit.time", "audit.action", "audit.actor", "audit.target", "audit.details", "audit.address"]
        .map((k) => h("th", null, t(k))))),
      rows)),
    empty, h("div", { class: "load-more" }, more)));
  reload();
}

function entryRow(entry, narrow) {
  const actor = entry.actor_user_id
    ? h("button", {
      type: "button", class: "link", title: t("audit.only_actor"),
      onclick: () => narrow("actor", entry.actor_user_id, entry.actor_name || entry.actor_user_id),
    }, entry.actor_name || entry.actor_user_id)
    : h("span", { class: "dim" }, t(entry.actor_address === "shell" ? "audit.shell" : "audit.nobody"));
  const targetName = entry.target_name || entry.target_id;
  const target = entry.target_id
    ? h("button", {
      type: "button", class: "link", title: t("audit.only_target"),
      onclick: () => narrow("target", entry.target_id, targetName),
    }, targetName)
    : "";
  return h("tr", { "data-position": entry.position, "data-action": entry.action },
    h("td", { class: "nowrap" }, h("time", { datetime: entry.created_at }, formatDateTime(entry.created_at))),
    h("td", null, h("span", { class: ["tag", failure(entry.action) && "danger"], title: entry.action }, actionLabel(entry.action))),
    h("td", null, actor),
    h("td", null, entry.target_type && h("span", { class: "dim" }, typeLabel(entry.target_type), " "), target),
    h("td", { class: "audit-details" }, detailsText(entry.details)),
    h("td", { class: "nowrap dim" }, entry.actor_address));
}

const typeLabel = (type) => (has(`audit.type.${type}`) ? t(`audit.type.${type}`) : type);

const failure = (action) => action.endsWith("_failed") || action === "user.disabled" || action === "device.revoked";

function detailsText(details) {
  return Object.entries(details).map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`).join(" · ");
}

/** Midnight of a local calendar day (plus `days`), as the ISO instant the server filters by. */
function localDayStart(value, days) {
  const [y, m, d] = value.split("-").map(Number);
  return new Date(y, m - 1, d + days).toISOString();
}

/** The export is streamed by the server; the browser saves it under the name the server gives. */
async function download(format, query) {
  try {
    const params = new URLSearchParams({ format, ...query });
    const response = await api.raw("GET", `/admin/audit/export?${params}`);
    const url = URL.createObjectURL(await response.blob());
    const link = h("a", { href: url, download: `audit-log-${new Date().toISOString().slice(0, 10)}.${format}` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    toast(t("audit.exported"));
  } catch (err) {
    fail(err);
  }
}
