// One conversation's messages as the client knows them, and the pure rules that
// apply events to them. Every rule is idempotent: applying an event twice, or
// replaying events over a freshly loaded page, ends in the same state. That is what
// lets history pages and live events race freely (see docs/web.md, "Catch-up").

export class Timeline {
  constructor(convId) {
    this.convId = convId;
    this.messages = new Map(); // message id -> message (top level and thread replies)
    this.nextBeforeSeq = undefined; // undefined: nothing loaded; null: the beginning is loaded
    this.loading = false;
    this.threads = new Set(); // roots whose replies were loaded
    this.notices = new Map(); // seq -> a membership event shown as a system line (see NOTICE_TYPES)
    // A detached window (opened around an older message, e.g. from search): the seq to page forward
    // from, or null when the loaded messages reach the live end. While detached, new top-level
    // messages are not added (they would sit after a gap); they are counted in `missedLive`.
    this.nextAfterSeq = null;
    this.missedLive = 0;
  }

  get detached() {
    return this.nextAfterSeq !== null;
  }

  /** Forget the top-level messages and system lines (the roots of loaded threads stay). */
  dropTop() {
    for (const [id, m] of this.messages) {
      if (!m.reply_to && !this.threads.has(id)) this.messages.delete(id);
    }
    this.notices.clear();
    this.nextBeforeSeq = undefined;
    this.nextAfterSeq = null;
    this.missedLive = 0;
  }

  get loaded() {
    return this.nextBeforeSeq !== undefined;
  }

  merge(items) {
    for (const message of items) this.messages.set(message.id, normalise(message));
  }

  /** A sent message the server acknowledged but whose event has not arrived yet. */
  insertProvisional(entry, ack, senderId) {
    if (this.messages.has(ack.message_id) || (this.detached && !entry.reply_to)) return;
    this.messages.set(ack.message_id, normalise({
      id: ack.message_id, conversation_id: this.convId, seq: ack.seq, sender_id: senderId,
      client_msg_id: entry.id, text: entry.text, reply_to: entry.reply_to || null, attachments: entry.attachments || [],
      created_at: ack.at, provisional: true,
    }));
  }

  top() {
    return sortBySeq([...this.messages.values()].filter((m) => !m.reply_to));
  }

  replies(rootId) {
    return sortBySeq([...this.messages.values()].filter((m) => m.reply_to === rootId));
  }

  byClientId(clientMsgId) {
    for (const m of this.messages.values()) if (m.client_msg_id === clientMsgId) return m;
    return null;
  }

  /** Membership events to show between the messages, in seq order. */
  noticeList() {
    return sortBySeq([...this.notices.values()]);
  }

  /** Apply one conversation event; returns the ids of messages it touched. */
  apply(event) {
    if (NOTICE_TYPES.includes(event.type)) {
      if (!this.notices.has(event.seq)) this.notices.set(event.seq, notice(event));
      return [];
    }
    const rule = RULES[event.type];
    return rule ? rule(this, event.data || {}) : [];
  }
}

// Who joined, left, was added or removed: system lines in the timeline (ui/timeline.js).
export const NOTICE_TYPES = ["member.joined", "member.left"];

function notice(event) {
  return { id: `n:${event.seq}`, notice: true, seq: event.seq, type: event.type, by: event.by || null,
    created_at: event.at, data: event.data || {} };
}

const RULES = {
  "message.new": (tl, { message }) => {
    const existing = tl.messages.get(message.id);
    if (existing && !existing.provisional) return [];
    if (tl.detached && !message.reply_to && !existing) {
      tl.missedLive += 1;
      return [];
    }
    tl.messages.set(message.id, normalise(message));
    const root = message.reply_to ? tl.messages.get(message.reply_to) : null;
    // The root's reply_count from a history page may already include this reply:
    // count it only if it is newer than the last reply the root knows of.
    if (root && (!root.last_reply_at || message.created_at > root.last_reply_at)) {
      root.reply_count = (root.reply_count || 0) + 1;
      root.last_reply_at = message.created_at;
      return [message.id, root.id];
    }
    return [message.id];
  },
  "message.edited": (tl, d) => update(tl, d.message_id, (m) => {
    Object.assign(m, { text: d.text, mentions: d.mentions || [], mentions_all: !!d.mentions_all, edited_at: d.edited_at });
  }),
  "message.deleted": (tl, d) => update(tl, d.message_id, (m) => {
    Object.assign(m, { deleted: true, text: "", reactions: [], pinned: false, preview: null });
  }),
  "message.preview": (tl, d) => update(tl, d.message_id, (m) => { m.preview = d.preview; }),
  "message.card": (tl, d) => update(tl, d.message_id, (m) => { m.card = d.card || null; }),
  "reaction.added": (tl, d) => update(tl, d.message_id, (m) => react(m, d.emoji, d.user_id, true)),
  "reaction.removed": (tl, d) => update(tl, d.message_id, (m) => react(m, d.emoji, d.user_id, false)),
  "message.pinned": (tl, d) => update(tl, d.message_id, (m) => { m.pinned = true; }),
  "message.unpinned": (tl, d) => update(tl, d.message_id, (m) => { m.pinned = false; }),
};

function update(tl, messageId, change) {
  const message = tl.messages.get(messageId);
  if (!message) return [];
  change(message);
  message.version = (message.version || 0) + 1;
  return [messageId];
}

export function react(message, emoji, userId, add) {
  const reactions = message.reactions;
  let entry = reactions.find((r) => r.emoji === emoji);
  if (!entry) {
    if (!add) return;
    entry = { emoji, count: 0, user_ids: [] };
    reactions.push(entry);
  }
  const has = entry.user_ids.includes(userId);
  if (add && !has) entry.user_ids.push(userId);
  if (!add && has) entry.user_ids = entry.user_ids.filter((u) => u !== userId);
  entry.count = entry.user_ids.length;
  if (entry.count === 0) message.reactions = reactions.filter((r) => r !== entry);
}

function normalise(message) {
  return {
    reply_to: null, reply_count: 0, last_reply_at: null, mentions: [], mentions_all: false,
    pinned: false, edited_at: null, deleted: false, version: 0, attachments: [], card: null,
    ...message,
    reactions: (message.reactions || []).map((r) => ({ ...r, user_ids: [...(r.user_ids || [])] })),
  };
}

function sortBySeq(list) {
  return list.sort((a, b) => a.seq - b.seq);
}
