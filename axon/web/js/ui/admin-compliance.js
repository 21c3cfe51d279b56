// Admin › Compliance: how long messages are kept (the organisation's policy and each conversation's),
// legal holds that keep a conversation or a person's messages whatever the policies say, and
// compliance exports of a conversation or of a person's data (streamed; progress shown while it downloads).

import { api } from "../core/engine.js";
import { listOf, seg } from "../core/api.js";
import { errorText, formatDateTime, t } from "../core/i18n.js";
import { state } from "../core/store.js";
import { h, clear } from "./dom.js";
import { toast } from "./dialogs.js";

const fail = (err) => toast(errorText(err), "error");

export function compliancePage(body) {
  const choices = loadChoices();
  body.append(orgRetentionCard(), holdsCard(choices), conversationCard(choices), userExportCard(choices));
}

/** The conversations an admin can pick (theirs and the public channels) and the people of the organisation. */
async function loadChoices() {
  const [mine, channels, people] = await Promise.all([
    api.get("/conversations"), api.get("/channels", { limit: 500 }), api.get("/admin/users", { limit: 200 })]);
  const conversations = new Map();
  for (const c of listOf(mine).concat(listOf(channels))) conversations.set(c.id, c.name || t("compliance.direct"));
  return { conversations: [...conversations].map(([id, name]) => ({ id, name })),
    users: (people.items || []).map((u) => ({ id: u.id, name: `${u.display_name} (@${u.username})` })) };
}

function picker(testid, label) {
  return h("select", { "data-testid": testid, "aria-label": label });
}

function fill(select, items, withEmpty) {
  clear(select).append(...(withEmpty ? [h("option", { value: "" }, t("compliance.choose"))] : []),
    ...items.map((i) => h("option", { value: i.id }, i.name)));
}

function orgRetentionCard() {
  const days = h("input", { type: "number", min: 0, max: 36500, value: state.session.org ? state.session.org.retention_days || 0 : 0, "data-testid": "org-retention-days" });
  const form = h("form", { class: "inline-form" },
    h("label", { class: "field" }, h("span", { class: "field-label" }, t("compliance.keep_days")), days),
    h("button", { type: "submit", class: "btn primary", "data-testid": "org-retention-save" }, t("action.save")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      state.session.org = await api.patch("/admin/org", { retention_days: Number(days.value || 0) });
      toast(t("compliance.saved"));
    } catch (err) {
      fail(err);
    }
  });
  return h("section", { class: "card" }, h("h3", null, t("compliance.org_retention")),
    h("p", { class: "dim" }, t("compliance.org_retention_help")), form);
}

function holdsCard(choices) {
  const kind = h("select", { "data-testid": "hold-type", "aria-label": t("compliance.hold_type") },
    h("option", { value: "conversation" }, t("compliance.a_conversation")), h("option", { value: "user" }, t("compliance.a_person")));
  const target = picker("hold-target", t("compliance.hold_target"));
  const reason = h("input", { type: "text", maxlength: 500, placeholder: t("compliance.reason"), "aria-label": t("compliance.reason"), "data-testid": "hold-reason" });
  const rows = h("tbody");
  const refill = async () => {
    const c = await choices;
    fill(target, kind.value === "user" ? c.users : c.conversations, false);
  };
  const reload = async () => {
    try {
      clear(rows).append(...listOf(await api.get("/admin/legal-holds")).map((hold) => holdRow(hold, reload)));
    } catch (err) {
      fail(err);
    }
  };
  kind.addEventListener("change", refill);
  const form = h("form", { class: "audit-filters" },
    h("label", { class: "field" }, h("span", { class: "field-label" }, t("compliance.hold_type")), kind),
    h("label", { class: "field" }, h("span", { class: "field-label" }, t("compliance.hold_target")), target),
    h("label", { class: "field grow" }, h("span", { class: "field-label" }, t("compliance.reason")), reason),
    h("button", { type: "submit", class: "btn primary", "data-testid": "hold-place" }, t("compliance.place_hold")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!target.value) return;
    try {
      await api.post("/admin/legal-holds", { target_type: kind.value, target_id: target.value, reason: reason.value.trim() });
      reason.value = "";
      toast(t("compliance.hold_placed"));
      reload();
    } catch (err) {
      fail(err);
    }
  });
  refill().catch(fail);
  reload();
  return h("section", { class: "card" }, h("h3", null, t("compliance.holds")),
    h("p", { class: "dim" }, t("compliance.holds_help")), form,
    h("div", { class: "table-scroll" }, h("table", { class: "grid", "data-testid": "legal-holds" },
      h("thead", null, h("tr", null, ["compliance.hold_target", "compliance.reason", "compliance.placed", "admin.status", ""]
        .map((k) => h("th", null, k ? t(k) : "")))), rows)));
}

function holdRow(hold, reload) {
  const release = async () => {
    try {
      await api.del(`/admin/legal-holds/${seg(hold.id)}`);
      toast(t("compliance.hold_released"));
      reload();
    } catch (err) {
      fail(err);
    }
  };
  const active = !hold.released_at;
  return h("tr", { class: active ? null : "dim", "data-hold": hold.id },
    h("td", null, h("span", { class: "dim" }, t(hold.target_type === "user" ? "compliance.a_person" : "compliance.a_conversation"), " "),
      hold.target_name || hold.target_id),
    h("td", null, hold.reason),
    h("td", { class: "nowrap" }, formatDateTime(hold.created_at)),
    h("td", null, active ? h("span", { class: "tag danger" }, t("compliance.active"))
      : t("compliance.released_on", { date: formatDateTime(hold.released_at) })),
    h("td", null, active && h("button", { type: "button", class: "btn small", "data-testid": "hold-release", onclick: release }, t("compliance.release"))));
}

function conversationCard(choices) {
  const conv = picker("retention-conversation", t("compliance.conversation"));
  const mode = h("select", { "data-testid": "retention-mode", "aria-label": t("compliance.keep") },
    h("option", { value: "org" }, t("compliance.like_org")), h("option", { value: "forever" }, t("compliance.forever")),
    h("option", { value: "days" }, t("compliance.days_of_its_own")));
  const days = h("input", { type: "number", min: 1, max: 36500, value: 365, "data-testid": "retention-days" });
  const daysField = h("label", { class: "field" }, h("span", { class: "field-label" }, t("compliance.keep_days")), days);
  const status = h("p", { class: "dim", "aria-live": "polite", "data-testid": "retention-status" });
  const progress = h("p", { class: "dim", "aria-live": "polite", "data-testid": "conversation-export-progress" });
  const show = async () => {
    if (!conv.value) return;
    try {
      const r = await api.get(`/admin/conversations/${seg(conv.value)}/retention`);
      mode.value = r.retention_days === null ? "org" : r.retention_days === 0 ? "forever" : "days";
      if (r.retention_days) days.value = r.retention_days;
      daysField.hidden = mode.value !== "days";
      status.textContent = r.held ? t("compliance.status_held")
        : r.effective_days === null ? t("compliance.status_forever") : t("compliance.status_days", { n: r.effective_days });
    } catch (err) {
      fail(err);
    }
  };
  mode.addEventListener("change", () => { daysField.hidden = mode.value !== "days"; });
  conv.addEventListener("change", show);
  const save = async () => {
    const value = mode.value === "org" ? null : mode.value === "forever" ? 0 : Number(days.value);
    try {
      await api.put(`/admin/conversations/${seg(conv.value)}/retention`, { retention_days: value });
      toast(t("compliance.saved"));
      show();
    } catch (err) {
      fail(err);
    }
  };
  choices.then((c) => { fill(conv, c.conversations, false); show(); }).catch(fail);
  return h("section", { class: "card" }, h("h3", null, t("compliance.conversation")),
    h("div", { class: "audit-filters" },
      h("label", { class: "field" }, h("span", { class: "field-label" }, t("compliance.conversation")), conv),
      h("label", { class: "field" }, h("span", { class: "field-label" }, t("compliance.keep")), mode), daysField,
      h("button", { type: "button", class: "btn primary", "data-testid": "retention-save", onclick: save }, t("action.save")),
      h("button", {
        type: "button", class: "btn", "data-testid": "conversation-export",
        onclick: () => conv.value && download(`/admin/compliance/conversations/${seg(conv.value)}/export`, `conversation-${conv.value}.json`, progress),
      }, t("compliance.export_conversation"))),
    status, progress);
}

function userExportCard(choices) {
  const user = picker("export-user", t("compliance.a_person"));
  const progress = h("p", { class: "dim", "aria-live": "polite", "data-testid": "user-export-progress" });
  choices.then((c) => fill(user, c.users, false)).catch(fail);
  return h("section", { class: "card" }, h("h3", null, t("compliance.user_export")),
    h("p", { class: "dim" }, t("compliance.user_export_help")),
    h("div", { class: "audit-filters" },
      h("label", { class: "field" }, h("span", { class: "field-label" }, t("compliance.a_person")), user),
      h("button", {
        type: "button", class: "btn", "data-testid": "user-export",
        onclick: () => user.value && download(`/admin/compliance/users/${seg(user.value)}/export`, `user-${user.value}.json`, progress),
      }, t("compliance.export_user"))),
    progress);
}

/** Read the streamed export chunk by chunk (showing how much has arrived), then save it. */
async function download(path, name, progress) {
  try {
    const response = await api.raw("GET", path);
    const reader = response.body.getReader();
    const parts = [];
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      bytes += value.length;
      progress.textContent = t("compliance.downloading", { size: formatSize(bytes) });
    }
    const url = URL.createObjectURL(new Blob(parts, { type: "application/json" }));
    const link = h("a", { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    progress.textContent = t("compliance.downloaded", { size: formatSize(bytes) });
  } catch (err) {
    progress.textContent = "";
    fail(err);
  }
}

const formatSize = (bytes) => (bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`);
