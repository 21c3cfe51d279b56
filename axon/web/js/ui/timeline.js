// The scrolling list of messages: grouped by author and day, a "new messages" marker,
// infinite scroll back, jump to unread, and read marking while the bottom is in view.
// mode "main" shows top-level messages; mode "thread" shows one root and its replies.

import { api, engine } from "../core/engine.js";
import { seg } from "../core/api.js";
import { dayKey, errorText, formatDay, t } from "../core/i18n.js";
import {
  jumpToPresent, loadAround, loadBackTo, loadLatest, loadNewer, loadOlder, loadReceipts, loadThread,
} from "../core/history.js";
import { on, emit, state, isMe } from "../core/store.js";
import { h, reconcile, batched, debounce } from "./dom.js";
import { renderMessage, messageSignature } from "./message.js";
import { noticeText, renderNotice } from "./notices.js";
import { confirmAction, toast } from "./dialogs.js";
import { openEmojiPicker } from "./emoji.js";
import { convHref } from "./router.js";
import { openForwardDialog, quote } from "./forward.js";

const GROUP_MS = 5 * 60 * 1000;
const NEAR_BOTTOM_PX = 60;
const LOAD_MORE_PX = 300;
const HIGHLIGHT_MS = 3000;

export function mountTimeline(el, convId, { mode, rootId = null }) {
  const view = new TimelineView(el, convId, mode, rootId);
  return () => view.destroy();
}

// A request to show one message (from the pins panel or a search result). Kept until the timeline
// that holds the message (the main one, or the thread of `rootId`) is mounted and has shown it.
// With its `seq`, a message not loaded is shown in a window around it (GET …/messages?around_seq).
let wanted = null;

export function focusMessage(convId, messageId, rootId = null, seq = null) {
  wanted = { convId, messageId, rootId, seq };
  emit("focus-message");
}

class TimelineView {
  constructor(el, convId, mode, rootId) {
    Object.assign(this, { convId, mode, rootId, editing: null, receiptsFor: null });
    const summary = state.conversations.get(convId) || {};
    // The marker stays where the unread part began when the conversation was opened.
    this.markerSeq = mode === "main" && summary.unread_count ? summary.read_seq || 0 : null;
    this.firstRender = true;
    this.top = h("div", { class: "timeline-top" });
    this.list = h("div", { class: "timeline-list" });
    this.scroller = h("div", {
      class: ["timeline", mode === "thread" && "in-thread"], "data-testid": mode === "main" ? "timeline" : "thread-timeline", tabindex: "0",
    }, this.top, this.list);
    this.jump = h("button", { class: "pill pill-top", hidden: true, "data-testid": "jump-unread", onclick: () => this.jumpToUnread() }, t("timeline.jump_unread"));
    this.below = h("button", { class: "pill pill-bottom", hidden: true, "data-testid": "new-below", onclick: () => this.belowClicked() }, t("timeline.new_below"));
    // Shown while an older window is open (a search result far back): back to the newest messages.
    this.present = h("button", { class: "pill pill-bottom", hidden: true, "data-testid": "jump-present", onclick: () => this.toPresent() }, t("search.jump_present"));
    el.append(this.scroller, this.jump, this.below, this.present);
    this.render = batched(() => this.draw());
    this.scroller.addEventListener("scroll", () => this.scrolled(), { passive: true });
    this.onVisible = () => this.maybeRead();
    document.addEventListener("visibilitychange", this.onVisible);
    this.stops = [
      on("timeline", (id) => id === this.convId && this.render()),
      on("outbox", this.render), on("users", this.render),
      on("receipts", (id) => id === this.convId && this.render()),
      on("reload", (id) => id === this.convId && this.load()),
      on("sent", (s) => s.conv === this.convId && (this.detached() ? this.toPresent() : this.scrollToBottom())),
      on("synced", () => this.maybeRead()), // a read sent while offline may not have reached the server
      on("focus-message", () => this.showWanted()),
      on("edit-last", (req) => this.editLast(req)),
      on("forward-sources", this.render),
    ];
    this.loadReceiptsSoon = debounce((m) => loadReceipts(this.convId, m).catch(() => {}), 300);
    this.load();
    this.render();
    this.showWanted();
  }

  destroy() {
    this.destroyed = true;
    clearTimeout(this.highlightTimer);
    this.render.cancel();
    this.stops.forEach((stop) => stop());
    document.removeEventListener("visibilitychange", this.onVisible);
  }

  load() {
    // Opening a conversation shows its newest messages, unless a message far back is wanted: then
    // the window around it is loaded instead (showWanted), and nothing is read on the way there.
    const mine = this.mode === "main" && wanted && wanted.convId === this.convId && !wanted.rootId;
    const tl = state.timelines.get(this.convId);
    const far = mine && wanted.seq !== null && wanted.seq !== undefined && !tl?.messages.get(wanted.messageId);
    if (far) {
      this.seeking = true;
      this.loaded = Promise.resolve();
      return;
    }
    const back = this.mode === "main" && this.detached() && !mine;
    const work = this.mode === "main" ? (back ? jumpToPresent(this.convId) : loadLatest(this.convId)) : loadThread(this.convId, this.rootId);
    this.loaded = work.catch((err) => toast(errorText(err), "error"));
  }

  /** Scroll to the wanted message and highlight it, loading history back to it if needed. */
  async showWanted() {
    const w = wanted;
    if (!w || w.convId !== this.convId || (w.rootId || null) !== (this.mode === "thread" ? this.rootId : null)) return;
    wanted = null;
    await this.loaded;
    const found = this.mode === "main" ? await this.reach(w).catch(() => false)
      : Boolean(state.timelines.get(this.convId)?.messages.has(w.messageId));
    this.seeking = false;
    if (this.destroyed) return;
    if (!found && !state.timelines.get(this.convId)?.loaded) this.load(); // the window failed: the newest page then
    // Part of the row's view (not a class set from outside), so a redraw keeps it.
    this.highlight = found ? w.messageId : null;
    this.draw();
    const el = found && this.list.querySelector(`[data-message-id="${CSS.escape(w.messageId)}"]`);
    if (!el) {
      toast(t("pins.not_found"), "error");
      return;
    }
    el.scrollIntoView({ block: "center" });
    clearTimeout(this.highlightTimer);
    this.highlightTimer = setTimeout(() => { this.highlight = null; this.render(); }, HIGHLIGHT_MS);
    this.updatePills();
  }

  /** Loads what is needed for the wanted message to be in the main timeline; true when it is. */
  async reach(w) {
    const tl = engine.timeline(this.convId);
    if (tl.messages.has(w.messageId) && !tl.messages.get(w.messageId).reply_to) return true;
    if (w.seq === null || w.seq === undefined) return loadBackTo(this.convId, w.messageId);
    this.firstRender = false; // the wanted message is scrolled to, not the end
    await loadAround(this.convId, w.seq);
    return tl.messages.has(w.messageId);
  }

  /** An older window is shown, not the newest messages (core/timeline.js). */
  detached() {
    return this.mode === "main" && Boolean(state.timelines.get(this.convId)?.detached);
  }

  async toPresent() {
    this.present.hidden = true;
    this.below.hidden = true;
    try {
      await jumpToPresent(this.convId);
    } catch (err) {
      toast(errorText(err), "error");
      return;
    }
    if (this.destroyed) return;
    this.draw();
    this.scrollToBottom();
  }

  belowClicked() {
    if (this.detached()) this.toPresent();
    else this.scrollToBottom();
  }

  messages() {
    const tl = state.timelines.get(this.convId);
    const known = tl ? (this.mode === "main" ? this.withNotices(tl) : [tl.messages.get(this.rootId), ...tl.replies(this.rootId)].filter(Boolean)) : [];
    const sentIds = new Set(known.map((m) => m.client_msg_id).filter(Boolean));
    const pending = engine.outbox ? engine.outbox.forConversation(this.convId, this.rootId) : [];
    const me = state.session.user.id;
    return known.concat(pending.filter((e) => !sentIds.has(e.id)).map((e) => ({
      id: `p:${e.id}`, client_msg_id: e.id, sender_id: me, text: e.text, created_at: e.created_at,
      reply_to: e.reply_to, pending: e.state, error: e.error, reactions: [], seq: Infinity, attachments: e.attachments || [],
      conversation_id: this.convId,
    })));
  }

  /** The main timeline's messages with the membership system lines among them, by seq. */
  withNotices(tl) {
    const top = tl.top();
    if (state.conversations.get(this.convId)?.kind === "direct" || !tl.notices.size) return top;
    return top.concat(tl.noticeList()).sort((a, b) => a.seq - b.seq);
  }

  /** The marker can be placed once the message just before the first unread one is loaded. */
  markerPlaceable(messages) {
    const tl = state.timelines.get(this.convId);
    if (this.markerSeq === null || !tl) return false;
    return tl.nextBeforeSeq === null || messages.some((m) => !m.pending && m.seq <= this.markerSeq);
  }

  rows() {
    const messages = this.messages();
    const seen = this.seenBy(messages);
    const rows = [];
    let prev = null;
    this.placeable = this.markerPlaceable(messages);
    let markerPlaced = !this.placeable;
    for (const m of messages) {
      const day = dayKey(m.created_at);
      let breakGroup = false;
      if (!prev || dayKey(prev.created_at) !== day) {
        rows.push({ key: `d:${day}`, sig: `${day}|${formatDay(m.created_at)}`, render: () => h("div", { class: "day-divider", role: "separator" }, h("span", null, formatDay(m.created_at))) });
        breakGroup = true;
      }
      if (m.notice) {
        const text = noticeText(m, this.convId);
        rows.push({ key: m.id, sig: `${text}|${m.created_at}`, render: () => renderNotice(m, text) });
        prev = m;
        continue;
      }
      if (!markerPlaced && this.markerSeq !== null && !m.pending && m.seq > this.markerSeq && !isMe(m.sender_id)) {
        rows.push({ key: "unread-marker", sig: "m", render: () => h("div", { class: "unread-marker", "data-testid": "unread-marker", role: "separator" }, h("span", null, t("timeline.new_messages"))) });
        markerPlaced = breakGroup = true;
      }
      const grouped = !breakGroup && prev && prev.sender_id === m.sender_id && !prev.deleted
        && new Date(m.created_at) - new Date(prev.created_at) < GROUP_MS && !(this.mode === "thread" && prev.id === this.rootId);
      const viewOf = {
        grouped, editing: this.editing === m.id, mode: this.mode, seenBy: seen.id === m.id ? seen.count : null, highlight: this.highlight === m.id,
      };
      rows.push({ key: m.id, sig: messageSignature(m, viewOf), render: () => renderMessage(m, viewOf, this.handlers()) });
      prev = m;
    }
    return rows;
  }

  /** "Seen by N" goes under my latest sent message of the main timeline. */
  seenBy(messages) {
    // Not in an older window: my latest message there is not my latest message.
    if (this.mode !== "main" || this.detached()) return { id: null };
    const mine = messages.filter((m) => !m.pending && !m.provisional && isMe(m.sender_id) && !m.deleted);
    const last = mine[mine.length - 1];
    if (!last) return { id: null };
    if (this.receiptsFor !== last.id) {
      this.receiptsFor = last.id;
      this.loadReceiptsSoon(last);
    }
    const reads = state.reads.get(this.convId) || new Map();
    let count = 0;
    for (const [userId, seq] of reads) if (!isMe(userId) && seq >= last.seq) count += 1;
    return { id: last.id, count };
  }

  draw() {
    const tl = state.timelines.get(this.convId);
    // In an older window, newer pages are added below what is read: the view stays where it is.
    const wasAtBottom = this.atBottom() && !this.detached();
    const anchor = wasAtBottom ? null : this.anchor();
    const before = this.list.childElementCount;
    reconcile(this.list, this.rows());
    this.drawTop(tl);
    if (this.firstRender && tl && tl.loaded) {
      this.firstRender = false;
      this.initialScroll();
    } else if (wasAtBottom) {
      this.scroller.scrollTop = this.scroller.scrollHeight;
    } else if (anchor) {
      this.scroller.scrollTop += anchor.el.getBoundingClientRect().top - anchor.top;
      if (this.list.childElementCount > before && !tl.loading) this.below.hidden = false;
    }
    this.updatePills();
    this.maybeRead();
    this.fillViewport(tl);
  }

  drawTop(tl) {
    let text = "";
    if (this.mode === "main" && tl) {
      if (tl.loading) text = t("timeline.loading");
      else if (tl.loaded && tl.nextBeforeSeq === null) text = t("timeline.beginning");
    }
    this.top.textContent = text;
    this.top.dataset.state = tl && tl.loading ? "loading" : tl && tl.nextBeforeSeq === null ? "beginning" : "more";
  }

  initialScroll() {
    const marker = this.list.querySelector(".unread-marker");
    if (marker && marker.offsetTop < this.scroller.scrollHeight - this.scroller.clientHeight) {
      this.scroller.scrollTop = Math.max(0, marker.offsetTop - this.scroller.clientHeight / 3);
    } else {
      this.scroller.scrollTop = this.scroller.scrollHeight;
    }
  }

  anchor() {
    const top = this.scroller.getBoundingClientRect().top;
    for (const el of this.list.children) {
      const rect = el.getBoundingClientRect();
      if (rect.bottom > top) return { el, top: rect.top };
    }
    return null;
  }

  atBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_BOTTOM_PX;
  }

  /** The newest message is on screen: scrolled to the end, or its last line is in view. */
  newestSeen() {
    // Not before the newest page is in: an empty list is "at the bottom" but shows nothing.
    const tl = state.timelines.get(this.convId);
    if (!tl || !tl.loaded || tl.detached || this.seeking) return false;
    if (this.atBottom()) return true;
    const last = this.list.lastElementChild;
    if (!last) return true;
    const bottom = last.getBoundingClientRect().bottom;
    const view = this.scroller.getBoundingClientRect();
    return bottom <= view.bottom + 1 && bottom > view.top;
  }

  scrolled() {
    if (this.scroller.scrollTop < LOAD_MORE_PX && this.mode === "main") this.older();
    if (this.detached() && this.nearEnd()) this.newer();
    if (this.newestSeen()) this.below.hidden = true;
    this.updatePills();
    this.maybeRead();
  }

  /** Keep loading older pages (and newer ones, in an older window) while the list does not fill the view. */
  fillViewport(tl) {
    if (this.mode === "main" && tl && tl.loaded && !tl.loading && this.scroller.scrollHeight <= this.scroller.clientHeight + LOAD_MORE_PX) {
      this.older();
      if (tl.detached) this.newer();
    }
  }

  nearEnd() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < LOAD_MORE_PX;
  }

  newer() {
    loadNewer(this.convId).catch((err) => toast(errorText(err), "error"));
  }

  older() {
    loadOlder(this.convId).catch((err) => toast(errorText(err), "error"));
  }

  updatePills() {
    const marker = this.list.querySelector(".unread-marker");
    const above = marker ? marker.getBoundingClientRect().bottom <= this.scroller.getBoundingClientRect().top
      : this.markerSeq !== null && !this.placeable && Boolean(state.timelines.get(this.convId)?.loaded);
    this.jump.hidden = !above;
    const tl = state.timelines.get(this.convId);
    if (this.detached()) {
      // New messages arrived after the window: "new messages below" takes the user to them.
      this.below.hidden = !tl.missedLive;
      this.present.hidden = Boolean(tl.missedLive);
    } else {
      this.present.hidden = true;
    }
  }

  /** Load older pages until the first unread message is in, then show it. */
  async jumpToUnread() {
    for (let pages = 0; !this.placeable && pages < 100; pages += 1) {
      if (!(await loadOlder(this.convId))) break;
      this.draw();
    }
    const marker = this.list.querySelector(".unread-marker");
    if (marker) marker.scrollIntoView({ block: "center" });
    this.updatePills();
  }

  scrollToBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.below.hidden = true;
  }

  /** The read marker moves only when the newest message has been on screen (docs/web.md, "Reading"). */
  maybeRead() {
    if (this.mode === "main" && document.visibilityState === "visible" && this.newestSeen()) engine.markRead(this.convId);
  }

  /** ↑ in an empty composer (ui/shortcuts.js): edit my latest message here; Esc or saving goes back to the composer. */
  editLast({ conv, rootId, returnTo }) {
    if (conv !== this.convId || (this.mode === "thread" ? rootId !== this.rootId : rootId !== null)) return;
    const mine = this.messages().filter((m) => !m.pending && !m.provisional && !m.deleted && isMe(m.sender_id));
    const last = mine[mine.length - 1];
    if (!last) return;
    this.editReturn = returnTo;
    this.editing = last.id;
    this.render();
  }

  /** Leaves the editor; focus goes back to the composer when the edit started there, else to the message. */
  endEdit() {
    const id = this.editing;
    this.editing = null;
    this.draw();
    const back = this.editReturn || (id && this.list.querySelector(`[data-message-id="${CSS.escape(id)}"]`));
    this.editReturn = null;
    if (back && back.isConnected) back.focus();
  }

  handlers() {
    if (!this._handlers) this._handlers = messageHandlers(this);
    return this._handlers;
  }
}

function messageHandlers(view) {
  const conv = view.convId;
  const path = (m, rest = "") => `/conversations/${seg(conv)}/messages/${seg(m.id)}${rest}`;
  const attempt = (work) => work.catch((err) => toast(errorText(err), "error"));
  return {
    react: (m, emoji, add) => attempt(add ? api.put(path(m, `/reactions/${seg(emoji)}`)) : api.del(path(m, `/reactions/${seg(emoji)}`))),
    pickEmoji: (m, anchor) => openEmojiPicker(anchor, (emoji) => {
      const entry = m.reactions.find((r) => r.emoji === emoji);
      const mine = entry && entry.user_ids.includes(state.session.user.id);
      attempt(mine ? api.del(path(m, `/reactions/${seg(emoji)}`)) : api.put(path(m, `/reactions/${seg(emoji)}`)));
    }),
    openThread: (m) => { location.hash = convHref(conv, "thread", m.id); },
    quote: (m) => quote(m, conv, view.mode === "thread" ? view.rootId : null),
    forward: (m) => openForwardDialog(m, conv),
    pin: (m, pin) => attempt(pin ? api.put(path(m, "/pin")) : api.del(path(m, "/pin"))),
    edit: (m) => { view.editReturn = null; view.editing = m.id; view.render(); },
    cancelEdit: () => view.endEdit(),
    saveEdit: (m, text) => {
      view.endEdit();
      if (text.trim() && text !== m.text) attempt(api.patch(path(m), { text }));
    },
    remove: async (m) => {
      if (await confirmAction(t("msg.delete_confirm"))) attempt(api.del(path(m)));
    },
    retry: (m) => engine.outbox.retry(m.client_msg_id),
    discard: (m) => engine.outbox.discard(m.client_msg_id),
  };
}
