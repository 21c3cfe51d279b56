// Messages the user wrote that the server has not acknowledged yet.
//
// Each entry keeps the client_msg_id it was created with for its whole life: every
// retry (after a reconnect, after a reload, or by hand) sends the SAME id, so the
// server stores the message at most once (protocol guarantee 2). Entries are kept in
// localStorage, so a reload or a crash of the tab does not lose them either.
//
//   pending ──sent──▶ inflight ──ack──▶ (removed; the message is in the timeline)
//      ▲                 │ └──refused──▶ failed ──retry by hand──▶ pending
//      └── disconnect / no ack in time / transient error

import { prefs } from "./prefs.js";

const ACK_TIMEOUT_MS = 20000;
// Errors worth retrying with the same id; everything else needs the user.
const TRANSIENT = new Set(["rate_limited", "internal_error", "not_ready"]);

export class Outbox {
  constructor(userId, { transmit, onChange }) {
    this.userId = userId;
    this.transmit = transmit; // frame -> bool (false when not connected)
    this.onChange = onChange; // (entry | null) -> void
    this.entries = new Map();
    this.timers = new Map();
    for (const saved of prefs.outbox(userId)) {
      this.entries.set(saved.id, { ...saved, state: saved.state === "failed" ? "failed" : "pending" });
    }
  }

  /** `attachments`: the FileInfo of every finished upload the message carries (sent as their ids). */
  add(conv, text, replyTo = null, attachments = []) {
    const entry = {
      id: crypto.randomUUID(), conv, text, reply_to: replyTo, attachments,
      state: "pending", error: null, created_at: new Date().toISOString(),
    };
    this.entries.set(entry.id, entry);
    this.changed(entry);
    this.flush();
    return entry;
  }

  forConversation(conv, replyTo = null) {
    return [...this.entries.values()].filter((e) => e.conv === conv && (e.reply_to || null) === replyTo);
  }

  /** Send every pending entry, oldest first (called on synced and after each add). */
  flush() {
    for (const entry of this.entries.values()) {
      if (entry.state !== "pending") continue;
      const frame = { t: "send", id: entry.id, conv: entry.conv, text: entry.text };
      if (entry.reply_to) frame.reply_to = entry.reply_to;
      if (entry.attachments && entry.attachments.length) frame.attachments = entry.attachments.map((a) => a.id);
      if (!this.transmit(frame)) return;
      entry.state = "inflight";
      this.timers.set(entry.id, setTimeout(() => this.timedOut(entry.id), ACK_TIMEOUT_MS));
    }
  }

  acked(id) {
    const entry = this.entries.get(id);
    if (!entry) return null;
    this.clearTimer(id);
    this.entries.delete(id);
    this.changed(null);
    return entry;
  }

  refused(id, error) {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.clearTimer(id);
    if (TRANSIENT.has(error.code)) {
      entry.state = "pending";
      const wait = ((error.details && error.details.retry_after) || 2) * 1000;
      setTimeout(() => this.flush(), wait);
    } else {
      entry.state = "failed";
      entry.error = error.code;
    }
    this.changed(entry);
  }

  /** The connection dropped: whatever was in flight goes again after the resume. */
  disconnected() {
    for (const entry of this.entries.values()) {
      if (entry.state === "inflight") {
        this.clearTimer(entry.id);
        entry.state = "pending";
      }
    }
    this.changed(null);
  }

  retry(id) {
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.state = "pending";
    entry.error = null;
    this.changed(entry);
    this.flush();
  }

  discard(id) {
    this.clearTimer(id);
    this.entries.delete(id);
    this.changed(null);
  }

  timedOut(id) {
    const entry = this.entries.get(id);
    if (!entry || entry.state !== "inflight") return;
    entry.state = "failed";
    entry.error = "timeout";
    this.changed(entry);
  }

  clearTimer(id) {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
  }

  changed(entry) {
    prefs.setOutbox(this.userId, [...this.entries.values()]);
    this.onChange(entry);
  }
}
