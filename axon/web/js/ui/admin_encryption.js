// Administration → Encryption (organisation admins only): the organisation's data keys and the
// progress of its latest re-encryption (GET /admin/encryption). Rotations are started from the
// shell (axon keys rotate); while one runs, the page follows its progress by itself.

import { api } from "../core/engine.js";
import { errorText, formatDateTime, t } from "../core/i18n.js";
import { h, clear } from "./dom.js";
import { toast } from "./dialogs.js";

const REFRESH_MS = 2000;

export function encryptionPage(body) {
  const content = h("div", { class: "stack", "aria-live": "polite", "data-testid": "encryption" },
    h("p", { class: "dim" }, t("encryption.loading")));
  body.append(h("section", { class: "card" }, h("h3", null, t("encryption.title")),
    h("p", { class: "dim" }, t("encryption.explain"))), content);
  let shown = null; // a refresh that changes nothing redraws nothing
  let alive = true;
  const load = async (quiet = false) => {
    try {
      const status = await api.get("/admin/encryption");
      const signature = JSON.stringify(status);
      if (!alive || signature === shown) return;
      shown = signature;
      clear(content).append(jobCard(status.reencryption), keysCard(status.keys));
    } catch (err) {
      if (alive && !quiet) toast(errorText(err), "error");
    }
  };
  load();
  const timer = setInterval(() => document.visibilityState === "visible" && load(true), REFRESH_MS);
  return () => {
    alive = false;
    clearInterval(timer);
  };
}

function jobCard(job) {
  if (!job) {
    return h("section", { class: "card", "data-testid": "encryption-job" },
      h("h3", null, t("encryption.job")), h("p", { class: "dim" }, t("encryption.no_job")));
  }
  const done = Math.min(job.rows_done, job.rows_total);
  const running = !job.finished_at;
  const percent = job.rows_total ? Math.floor((done / job.rows_total) * 100) : 100;
  const summary = running
    ? t(job.walks ? "encryption.checking" : "encryption.running", { done, total: job.rows_total, percent })
    : t("encryption.finished", { when: formatDateTime(job.finished_at) });
  return h("section", { class: "card", "data-testid": "encryption-job", "data-state": running ? "running" : "finished" },
    h("div", { class: "card-head" }, h("h3", null, t("encryption.job")),
      h("span", { class: "dim" }, t(`encryption.reason_${job.reason}`, { key: job.key_id }))),
    h("progress", {
      class: "reseal-progress", max: 100, value: running ? percent : 100,
      "aria-label": t("encryption.progress"), "data-testid": "encryption-progress",
    }),
    h("p", { "data-testid": "encryption-summary" }, summary),
    h("p", { class: "dim note" }, t("encryption.started", { when: formatDateTime(job.started_at) })));
}

function keysCard(keys) {
  return h("section", { class: "card" }, h("h3", null, t("encryption.keys")),
    h("div", { class: "table-scroll" }, h("table", { class: "grid", "data-testid": "encryption-keys" },
      h("thead", null, h("tr", null, ["encryption.key", "encryption.state", "encryption.master", "encryption.created",
        "encryption.retired"].map((k) => h("th", null, t(k))))),
      h("tbody", null, keys.map((k) => h("tr", { "data-key": k.id, "data-state": k.state },
        h("td", null, h("code", null, k.id)),
        h("td", null, h("span", { class: `key-state ${k.state}` }, t(`encryption.state_${k.state}`))),
        h("td", null, h("code", null, k.master_key)),
        h("td", null, formatDateTime(k.created_at)),
        h("td", null, k.retired_at ? formatDateTime(k.retired_at) : "—")))))),
    h("p", { class: "dim note" }, t("encryption.keys_help")));
}
