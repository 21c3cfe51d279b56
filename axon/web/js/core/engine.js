// The sync engine: turns WebSocket frames into state, keeping the delivery
// guarantees on the client side (docs/web.md, "Delivery"):
//   - per-conversation seq positions; duplicates dropped, gaps filled over REST;
//   - the user stream's seq the same way;
//   - positions and the epoch sent in hello, so a reconnect resumes where it stopped;
//   - unsent messages retried with their original client_msg_id after every resume.

import { Api, seg } from "./api.js";
import { SeqTracker } from "./sequence.js";
import { CONN, Connection } from "./socket.js";
import { Outbox } from "./outbox.js";
import { Timeline } from "./timeline.js";
import { applyToSummary, applyToMembers } from "./summary.js";
import { prefs } from "./prefs.js";
import { adoptPreferences, loadPreferences } from "./preferences.js";
import { applyDraftEvent, loadDrafts } from "./drafts.js";
import { applyPlayedEvent } from "./files.js";
import { CALENDAR_USER_EVENTS, applyCalendarUserEvent } from "./calendar.js";
import { state, emit, isMe } from "./store.js";

export const api = new Api();
const RESUME_LIMIT = 2000;

class Engine {
  constructor() {
    this.conn = null;
    this.tracker = new SeqTracker();
    this.userSeq = null; // null until the first synced: a new device asks for no user-event replay
    this.welcomeUserSeq = 0;
    this.outbox = null;
    this.filling = new Set(); // conversations with a gap fetch in flight
    this.unknown = new Map(); // conv id -> events held until its summary is loaded
    this.hooks = { message: () => {}, fatal: () => {} };
  }

  start(session) {
    api.token = session.token;
    const stream = prefs.stream(session.device_id);
    this.epoch = stream.epoch;
    this.userSeq = stream.user_seq ?? null;
    this.outbox = new Outbox(session.user.id, {
      transmit: (frame) => this.send(frame),
      onChange: () => emit("outbox"),
    });
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    this.conn = new Connection({
      url: `${scheme}//${location.host}/api/v1/ws`,
      hello: () => this.hello(),
      onFrame: (frame) => this.receive(frame),
      onState: (s) => this.connectionChanged(s),
      onFatal: (code) => this.hooks.fatal(code),
    });
    this.conn.start();
  }

  stop() {
    if (this.conn) this.conn.stop();
    this.conn = null;
    this.tracker = new SeqTracker();
    this.unknown.clear();
  }

  hello() {
    const frame = { t: "hello", token: api.token, client: "web/1.0", resume_limit: RESUME_LIMIT };
    if (this.userSeq !== null) frame.user_seq = this.userSeq; // 0 too: "nothing applied yet"
    const convs = this.tracker.snapshot();
    if (Object.keys(convs).length) frame.convs = convs;
    this.helloConvs = new Set(Object.keys(convs));
    this.helloUserSeq = this.userSeq ?? 0;
    if (this.epoch) frame.epoch = this.epoch;
    return frame;
  }

  connectionChanged(next) {
    state.connection = next;
    // For the page-load figure in the browser tests (and anyone profiling): first time live.
    if (next === CONN.LIVE && !performance.getEntriesByName("axon:live").length) performance.mark("axon:live");
    if (next !== CONN.LIVE && next !== CONN.SYNCING && this.outbox) this.outbox.disconnected();
    emit("connection", next);
  }

  send(frame) {
    return this.conn ? this.conn.send(frame) : false;
  }

  receive(frame) {
    const handler = FRAMES[frame.t];
    if (handler) handler(this, frame);
  }

  welcome(frame) {
    const sentPositions = this.helloConvs.size > 0 || this.helloUserSeq > 0;
    if (this.epoch && frame.epoch !== this.epoch && sentPositions) {
      // Our positions belong to another history (a restore): drop them, start over.
      this.resetPositions(frame.epoch);
      this.conn.reconnectSoon();
      return;
    }
    this.epoch = frame.epoch;
    this.welcomeUserSeq = frame.user_seq;
    if (this.userSeq === null) this.userSeq = frame.user_seq; // a new device starts where the stream stands
    const session = state.session;
    Object.assign(session.user, frame.user || {});
    session.device_id = frame.device_id || session.device_id;
    session.max_text_bytes = frame.max_text_bytes || 16384;
    const fresh = new Map();
    for (const summary of frame.conversations || []) {
      const known = state.conversations.get(summary.id);
      fresh.set(summary.id, { ...(known || {}), ...summary });
      // A conversation not listed in hello gets no replay: its summary is current.
      if (!this.helloConvs.has(summary.id)) this.tracker.advance(summary.id, summary.last_seq);
    }
    for (const id of state.conversations.keys()) if (!fresh.has(id)) this.forgetConversation(id);
    state.conversations = fresh;
    state.ready = true;
    if (frame.user) state.users.set(frame.user.id, { ...state.users.get(frame.user.id), ...frame.user });
    this.saveStream();
    emit("session");
    emit("conversations");
    // Preferences and drafts live on the server; their changes then come as user events.
    loadPreferences().catch((err) => console.warn("preferences not loaded", err));
    loadDrafts().catch((err) => console.warn("drafts not loaded", err));
  }

  synced(frame) {
    this.userSeq = Math.max(this.userSeq ?? 0, frame.user_seq || 0);
    this.saveStream();
    this.outbox.flush();
    emit("synced");
  }

  // ----- conversation events -------------------------------------------------

  event(ev, replay = false) {
    if (!state.conversations.has(ev.conv) && this.tracker.position(ev.conv) === 0) {
      this.holdForUnknown(ev);
      return;
    }
    for (const ready of this.tracker.offer(ev.conv, ev.seq, ev)) this.apply(ready, replay);
    if (this.tracker.gap(ev.conv)) this.fillGap(ev.conv);
  }

  apply(ev, replay) {
    const summary = state.conversations.get(ev.conv);
    const fresh = summary ? applyToSummary(summary, ev, state.session.user.id) : false;
    applyToMembers(ev);
    const timeline = state.timelines.get(ev.conv);
    if (timeline) timeline.apply(ev);
    if (ev.type === "message.new") {
      this.settleOwn(ev.data.message);
      this.clearTyping(ev.conv, ev.by);
      if (fresh) this.hooks.message(ev.conv, ev.data.message, replay);
    }
    if (ev.type === "member.joined" || ev.type === "member.left") emit("members", ev.conv);
    emit("timeline", ev.conv);
    emit("conversations");
  }

  async fillGap(conv) {
    if (this.filling.has(conv)) return;
    this.filling.add(conv);
    try {
      let gap = this.tracker.gap(conv);
      while (gap) {
        const page = await api.get(`/conversations/${seg(conv)}/events`, { after_seq: gap.first - 1, limit: 200 });
        if (!page.items.length) break;
        for (const ev of page.items) this.event({ ...ev, t: "event", conv }, true);
        gap = this.tracker.gap(conv);
      }
    } catch (err) {
      console.warn("gap fill failed; retrying on the next event", err);
    } finally {
      this.filling.delete(conv);
    }
  }

  async holdForUnknown(ev) {
    const held = this.unknown.get(ev.conv);
    if (held) {
      held.push(ev);
      return;
    }
    this.unknown.set(ev.conv, [ev]);
    try {
      const summary = await api.get(`/conversations/${seg(ev.conv)}`);
      this.addConversation(summary);
    } catch {
      // Not visible to us after all: drop what was held.
    }
    const events = this.unknown.get(ev.conv) || [];
    this.unknown.delete(ev.conv);
    if (state.conversations.has(ev.conv)) for (const e of events) this.event(e, true);
  }

  addConversation(summary) {
    const known = state.conversations.get(summary.id);
    if (known) {
      Object.assign(known, { ...summary, unread_count: known.unread_count, mention_count: known.mention_count });
    } else {
      state.conversations.set(summary.id, { ...summary });
      this.tracker.advance(summary.id, summary.last_seq || 0);
    }
    emit("conversations");
  }

  forgetConversation(id) {
    state.conversations.delete(id);
    state.timelines.delete(id);
    state.members.delete(id);
    for (const [key, draft] of state.drafts) if (draft.conversation_id === id) state.drafts.delete(key); // gone with it
    this.tracker.forget(id);
    emit("conversations");
    emit("left", id);
  }

  // ----- user events ---------------------------------------------------------

  userEvent(ev) {
    if (ev.seq <= this.userSeq) return;
    if (ev.seq > this.userSeq + 1) {
      this.fillUserGap().then(() => this.userEvent(ev));
      return;
    }
    this.userSeq = ev.seq;
    this.applyUserEvent(ev);
    this.saveStream();
  }

  async fillUserGap() {
    if (this.userGapFill) return this.userGapFill;
    this.userGapFill = (async () => {
      try {
        const page = await api.get("/sync/user-events", { after_seq: this.userSeq, limit: 200 });
        for (const ev of page.items || []) if (ev.seq === this.userSeq + 1) {
          this.userSeq = ev.seq;
          this.applyUserEvent(ev);
        }
        this.saveStream();
      } finally {
        this.userGapFill = null;
      }
    })();
    return this.userGapFill;
  }

  applyUserEvent(ev) {
    const d = ev.data || {};
    // Membership changes up to welcome.user_seq are already in welcome's list.
    const inSnapshot = ev.seq <= this.welcomeUserSeq;
    if (ev.type === "conversation.joined" && !inSnapshot) this.addConversation(d.conversation);
    if (ev.type === "conversation.left" && !inSnapshot) this.forgetConversation(d.conversation_id);
    if (ev.type === "read_marker") this.readMarker(d.conversation_id, d.seq);
    if (ev.type === "profile.updated" && d.user) {
      state.users.set(d.user.id, { ...state.users.get(d.user.id), ...d.user });
      if (isMe(d.user.id)) Object.assign(state.session.user, d.user);
      emit("users");
      emit("session");
    }
    if (ev.type === "preferences.updated") adoptPreferences(d);
    if (ev.type === "org.updated" && d.org) {
      state.session.org = d.org;
      emit("session");
      emit("conversations");
    }
    if (ev.type === "draft.updated") applyDraftEvent(d);
    if (ev.type === "voice.played") applyPlayedEvent(d);
    if (CALENDAR_USER_EVENTS.includes(ev.type)) applyCalendarUserEvent(ev);
    emit("user-event", ev); // for modules that handle their own types (ui/assistant_reminder.js)
    // Told of its own revocation before the socket closes: a wipe order must not pass for a sign-out.
    if (ev.type === "device.revoked" && d.device_id === state.session.device_id) this.hooks.fatal(d.wipe ? 4004 : 4003);
    emit("devices");
  }

  readMarker(conv, seq) {
    const summary = state.conversations.get(conv);
    if (!summary || seq <= (summary.read_seq || 0)) return;
    summary.read_seq = seq;
    if (seq >= (summary.last_seq || 0)) {
      summary.unread_count = 0;
      summary.mention_count = 0;
    }
    emit("conversations");
  }

  /** Tell the server (and the user's other devices) we have read up to the latest event. */
  markRead(conv) {
    const summary = state.conversations.get(conv);
    if (!summary || !summary.last_seq) return;
    if (summary.last_seq <= (summary.read_seq || 0) && !summary.unread_count) return;
    const seq = summary.last_seq;
    summary.read_seq = seq;
    summary.unread_count = 0;
    summary.mention_count = 0;
    if (!this.send({ t: "read", conv, seq, ref: `r${seq}` })) {
      api.post(`/conversations/${seg(conv)}/read`, { seq }).catch(() => {});
    }
    emit("conversations");
  }

  /** Mark every conversation read (POST /me/read-all); the markers then arrive as user events. */
  async markAllRead() {
    for (const summary of state.conversations.values()) {
      summary.read_seq = Math.max(summary.read_seq || 0, summary.last_seq || 0);
      summary.unread_count = 0;
      summary.mention_count = 0;
    }
    emit("conversations");
    await api.post("/me/read-all");
  }

  // ----- acks, ephemeral signals ----------------------------------------------

  ack(frame) {
    const entry = this.outbox.acked(frame.id);
    const timeline = entry && state.timelines.get(entry.conv);
    if (timeline) timeline.insertProvisional(entry, frame, state.session.user.id);
    if (entry) {
      emit("timeline", entry.conv);
      emit("sent", { conv: entry.conv, message_id: frame.message_id, seq: frame.seq });
    }
  }

  /** Our own message came back as an event: it is committed, whether or not its ack got through. */
  settleOwn(message) {
    if (isMe(message.sender_id) && message.client_msg_id && this.outbox.entries.has(message.client_msg_id)) {
      this.outbox.acked(message.client_msg_id);
    }
  }

  error(frame) {
    if (frame.id) this.outbox.refused(frame.id, frame.error || {});
    else console.warn("server error", frame.error);
  }

  typing(frame) {
    if (isMe(frame.user_id)) return;
    if (!state.typing.has(frame.conv)) state.typing.set(frame.conv, new Map());
    state.typing.get(frame.conv).set(frame.user_id, Date.now() + 6000);
    emit("typing", frame.conv);
    setTimeout(() => emit("typing", frame.conv), 6100);
  }

  clearTyping(conv, userId) {
    const map = state.typing.get(conv);
    if (map && map.delete(userId)) emit("typing", conv);
  }

  /** Someone's public profile changed (name, status, avatar): the `profile` frame. */
  profile(frame) {
    const user = frame.user;
    if (!user || !user.id) return;
    state.users.set(user.id, { ...state.users.get(user.id), ...user });
    if (isMe(user.id)) Object.assign(state.session.user, user);
    emit("users");
  }

  presence(frame) {
    state.presence.set(frame.user_id, { state: frame.state, last_seen: frame.last_seen });
    emit("presence", frame.user_id);
  }

  receipt(frame) {
    if (!state.reads.has(frame.conv)) state.reads.set(frame.conv, new Map());
    const reads = state.reads.get(frame.conv);
    reads.set(frame.user_id, Math.max(reads.get(frame.user_id) || 0, frame.read_seq));
    emit("receipts", frame.conv);
  }

  batch(frame) {
    for (const ev of frame.user_events || []) this.userEvent(ev);
    if (!frame.conv) return;
    if (frame.truncated && frame.from_seq) {
      // Older missed events were not replayed: the timeline would have a hole, so drop it.
      this.tracker.advance(frame.conv, frame.from_seq - 1);
      state.timelines.delete(frame.conv);
      emit("reload", frame.conv);
    }
    for (const ev of frame.events || []) this.event({ ...ev, conv: ev.conv || frame.conv }, true);
  }

  // ----- positions -------------------------------------------------------------

  resetPositions(epoch) {
    this.epoch = epoch;
    this.userSeq = null;
    this.tracker = new SeqTracker();
    state.timelines.clear();
    this.saveStream();
  }

  saveStream() {
    if (!state.session) return;
    prefs.setStream(state.session.device_id, { epoch: this.epoch, user_seq: this.userSeq });
  }

  timeline(conv) {
    if (!state.timelines.has(conv)) state.timelines.set(conv, new Timeline(conv));
    return state.timelines.get(conv);
  }

  position(conv) {
    return this.tracker.position(conv);
  }
}

const FRAMES = {
  welcome: (e, f) => e.welcome(f),
  synced: (e, f) => e.synced(f),
  batch: (e, f) => e.batch(f),
  event: (e, f) => e.event(f),
  user_event: (e, f) => e.userEvent(f),
  ack: (e, f) => e.ack(f),
  error: (e, f) => e.error(f),
  typing: (e, f) => e.typing(f),
  presence: (e, f) => e.presence(f),
  receipt: (e, f) => e.receipt(f),
  profile: (e, f) => e.profile(f),
};

export const engine = new Engine();
