// Pure rules that keep conversation summaries and member lists current from events.

import { state } from "./store.js";

/**
 * Apply a conversation event to its summary. Returns true when the event is newer
 * than the summary: events at or below summary.last_seq are already counted in it
 * (a welcome snapshot, or a replay after reconnect), so counts never double.
 */
export function applyToSummary(summary, ev, myId) {
  if (ev.seq <= (summary.last_seq || 0)) return false;
  summary.last_seq = ev.seq;
  const d = ev.data || {};
  const change = SUMMARY_RULES[ev.type];
  if (change) change(summary, d, ev, myId);
  return true;
}

const SUMMARY_RULES = {
  "message.new": (s, d, ev, myId) => {
    const m = d.message;
    s.last_message_at = m.created_at || ev.at;
    if (m.sender_id === myId) {
      // Writing in a conversation means having read it.
      s.read_seq = Math.max(s.read_seq || 0, ev.seq);
      return;
    }
    if (ev.seq > (s.read_seq || 0)) {
      s.unread_count = (s.unread_count || 0) + 1;
      if (mentionsMe(m, myId)) s.mention_count = (s.mention_count || 0) + 1;
    }
  },
  "conversation.renamed": (s, d) => { s.name = d.name; },
  "conversation.topic_changed": (s, d) => { s.topic = d.topic; },
  "conversation.archived": (s) => { s.archived = true; },
  "conversation.unarchived": (s) => { s.archived = false; },
  "conversation.announcement": (s, d) => { s.announcement = Boolean(d.announcement); },
  "member.joined": (s) => { s.member_count = (s.member_count || 0) + 1; },
  "member.left": (s) => { s.member_count = Math.max(0, (s.member_count || 1) - 1); },
  "member.role_changed": (s, d, ev, myId) => { if (d.user_id === myId) s.my_role = d.role; },
};

export function mentionsMe(message, myId) {
  return Boolean(message.mentions_all) || (message.mentions || []).includes(myId);
}

/** Member lists are loaded on demand; once loaded, events keep them current. */
export function applyToMembers(ev) {
  const members = state.members.get(ev.conv);
  if (!members) return;
  const d = ev.data || {};
  if (ev.type === "member.joined") members.set(d.user_id, { user_id: d.user_id, role: d.role || "member" });
  if (ev.type === "member.left") members.delete(d.user_id);
  if (ev.type === "member.role_changed" && members.has(d.user_id)) members.get(d.user_id).role = d.role;
}
