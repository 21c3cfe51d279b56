// Loading what live events do not bring: history pages, threads, member lists,
// profiles and receipts, all through REST.
//
// Catch-up: a page is read from the database at some moment while live events keep
// arriving. Before the request we note the conversation's position P0; after it, if
// the position moved, the events after P0 are fetched and re-applied to the timeline.
// Timeline rules are idempotent (timeline.js), so the result equals the server's state.

import { api, engine } from "./engine.js";
import { clampQuery, seg } from "./api.js";
import { state, emit } from "./store.js";
import { NOTICE_TYPES } from "./timeline.js";
import { loadHints } from "./calendar.js";

const PAGE = 50;

export async function loadLatest(conv) {
  const timeline = engine.timeline(conv);
  if (timeline.loaded || timeline.loading) return;
  await loadPage(conv, timeline, {});
}

export async function loadOlder(conv) {
  const timeline = engine.timeline(conv);
  if (!timeline.loaded || timeline.loading || timeline.nextBeforeSeq === null) return false;
  await loadPage(conv, timeline, { before_seq: timeline.nextBeforeSeq });
  return true;
}

function loadPage(conv, timeline, query) {
  const work = fetchPage(conv, timeline, query);
  // Lets loadBackTo() wait for a page someone else asked for instead of skipping it.
  timeline.busy = work.catch(() => {}).finally(() => { timeline.busy = null; });
  return work;
}

async function fetchPage(conv, timeline, query) {
  timeline.loading = true;
  emit("timeline", conv);
  const p0 = engine.position(conv);
  try {
    const page = await api.get(`/conversations/${seg(conv)}/messages`, { ...query, limit: PAGE });
    timeline.merge(page.items || []);
    loadHints(conv, page.items); // "Add to calendar" chips of these messages (not awaited: optional)
    timeline.nextBeforeSeq = page.next_before_seq ?? null;
    await Promise.all([ensureUsers((page.items || []).map((m) => m.sender_id)),
      loadNotices(conv, timeline, page.next_before_seq ?? 0, query.before_seq)]);
    await catchUp(conv, timeline, p0);
  } finally {
    timeline.loading = false;
    emit("timeline", conv);
  }
}

/**
 * The membership events (system lines) among a history page's messages: seqs from the page's
 * oldest message (0 for the first page) up to where the newer page began.
 */
async function loadNotices(conv, timeline, fromSeq, beforeSeq) {
  if (state.conversations.get(conv)?.kind === "direct") return;
  let after = Math.max(0, fromSeq - 1);
  for (let pages = 0; pages < 10; pages += 1) {
    const page = await api.get(`/conversations/${seg(conv)}/events`,
      { types: NOTICE_TYPES.join(","), after_seq: after, before_seq: beforeSeq, limit: 500 });
    const items = page.items || [];
    for (const ev of items) timeline.apply(ev);
    await ensureUsers(items.flatMap((ev) => [ev.by, ev.data && ev.data.user_id]));
    if (!page.next_after_seq) break;
    after = page.next_after_seq;
  }
}

/**
 * Show the messages around `seq` (a search result far back): GET …/messages?around_seq. When the
 * window reaches the newest message it joins the loaded pages; otherwise the timeline becomes a
 * detached window (timeline.js), paged back with before_seq and forward with after_seq (loadNewer).
 */
export async function loadAround(conv, seq) {
  const timeline = engine.timeline(conv);
  if (timeline.busy) await timeline.busy;
  const work = fetchAround(conv, timeline, seq);
  timeline.busy = work.catch(() => {}).finally(() => { timeline.busy = null; });
  return work;
}

async function fetchAround(conv, timeline, seq) {
  timeline.loading = true;
  emit("timeline", conv);
  const p0 = engine.position(conv);
  try {
    const page = await api.get(`/conversations/${seg(conv)}/messages`, { around_seq: seq, limit: PAGE });
    const items = page.items || [];
    const nextAfter = page.next_after_seq ?? null;
    if (nextAfter === null && timeline.loaded && !timeline.detached) {
      // Reaches the live end: the loaded pages and the window overlap, so together they stay contiguous.
      const oldest = Math.min(...timeline.top().map((m) => m.seq));
      timeline.merge(items);
      if (items.length && items[0].seq < oldest) timeline.nextBeforeSeq = page.next_before_seq ?? null;
    } else {
      timeline.dropTop();
      timeline.merge(items);
      timeline.nextBeforeSeq = page.next_before_seq ?? null;
      timeline.nextAfterSeq = nextAfter;
    }
    await Promise.all([ensureUsers(items.map((m) => m.sender_id)),
      loadNotices(conv, timeline, page.next_before_seq ?? 0, nextAfter === null ? undefined : nextAfter + 1)]);
    loadHints(conv, items);
    await catchUp(conv, timeline, p0);
  } finally {
    timeline.loading = false;
    emit("timeline", conv);
  }
}

/** The next page forward of a detached window; when it reaches the newest message, the window is live again. */
export async function loadNewer(conv) {
  const timeline = engine.timeline(conv);
  if (!timeline.detached || timeline.loading) return false;
  const work = fetchNewer(conv, timeline);
  timeline.busy = work.catch(() => {}).finally(() => { timeline.busy = null; });
  await work;
  return true;
}

async function fetchNewer(conv, timeline) {
  timeline.loading = true;
  emit("timeline", conv);
  const p0 = engine.position(conv);
  const from = timeline.nextAfterSeq;
  try {
    const page = await api.get(`/conversations/${seg(conv)}/messages`, { after_seq: from, limit: PAGE });
    const items = page.items || [];
    timeline.merge(items);
    timeline.nextAfterSeq = page.next_after_seq ?? null;
    if (!timeline.detached) timeline.missedLive = 0;
    const upTo = timeline.nextAfterSeq === null ? undefined : timeline.nextAfterSeq + 1;
    await Promise.all([ensureUsers(items.map((m) => m.sender_id)), loadNotices(conv, timeline, from + 1, upTo)]);
    // Events during the request: a message sent after the page was read arrives here, now the window is live.
    loadHints(conv, items);
    await catchUp(conv, timeline, p0);
  } finally {
    timeline.loading = false;
    emit("timeline", conv);
  }
}

/** Leave a detached window for the newest page ("Jump to present"). */
export async function jumpToPresent(conv) {
  const timeline = engine.timeline(conv);
  if (timeline.busy) await timeline.busy;
  timeline.dropTop();
  emit("timeline", conv);
  await loadLatest(conv);
}

/**
 * Load history pages back from the newest until this message is in (e.g. a pin far up);
 * pages stay contiguous, so paging and catch-up work as usual. False if it was not found.
 */
export async function loadBackTo(conv, messageId, maxPages = 200) {
  const timeline = engine.timeline(conv);
  for (let pages = 0; pages < maxPages && !timeline.messages.has(messageId); pages += 1) {
    if (timeline.busy) await timeline.busy;
    else if (!timeline.loaded) await loadLatest(conv);
    else if (timeline.nextBeforeSeq === null) break;
    else await loadOlder(conv);
  }
  return timeline.messages.has(messageId);
}

export async function loadThread(conv, rootId) {
  const timeline = engine.timeline(conv);
  const p0 = engine.position(conv);
  const data = await api.get(`/conversations/${seg(conv)}/messages/${seg(rootId)}/thread`);
  const items = [];
  if (data.root) items.push(data.root);
  items.push(...(data.replies || data.items || []));
  timeline.merge(items);
  timeline.threads.add(rootId);
  loadHints(conv, items);
  await ensureUsers(items.map((m) => m.sender_id));
  await catchUp(conv, timeline, p0);
  emit("timeline", conv);
}

async function catchUp(conv, timeline, p0) {
  let after = p0;
  while (after < engine.position(conv)) {
    const page = await api.get(`/conversations/${seg(conv)}/events`, { after_seq: after, limit: 200 });
    const items = page.items || [];
    if (!items.length) break;
    for (const ev of items) if (ev.seq <= engine.position(conv)) timeline.apply(ev);
    after = items[items.length - 1].seq;
  }
}

// ----- members ---------------------------------------------------------------

export async function loadMembers(conv, force = false) {
  if (state.members.has(conv) && !force) return state.members.get(conv);
  const items = await api.all(`/conversations/${seg(conv)}/members`);
  const members = new Map(items.map((m) => [m.user_id || m.id, { ...m, user_id: m.user_id || m.id }]));
  for (const m of items) if (m.user) state.users.set(m.user.id, m.user);
  state.members.set(conv, members);
  await ensureUsers([...members.keys()]);
  emit("members", conv);
  return members;
}

// ----- users -----------------------------------------------------------------

const inflight = new Map();

export async function loadDirectory() {
  const page = await api.get("/users", { limit: 200 });
  for (const user of page.items || []) state.users.set(user.id, user);
  emit("users");
}

/** Make sure these users' profiles are known; fetches the missing ones once each. */
export async function ensureUsers(ids) {
  const wanted = [...new Set(ids)].filter((id) => id && !state.users.has(id));
  await Promise.all(wanted.map((id) => {
    if (!inflight.has(id)) {
      inflight.set(id, api.get(`/users/${seg(id)}`)
        .then((user) => { state.users.set(user.id, user); emit("users"); })
        .catch(() => {})
        .finally(() => inflight.delete(id)));
    }
    return inflight.get(id);
  }));
}

export async function searchUsers(q) {
  const page = await api.get("/users", { q: clampQuery(q), limit: 20 });
  for (const user of page.items || []) state.users.set(user.id, user);
  return page.items || [];
}

// ----- receipts --------------------------------------------------------------

/** Who has read my message: seeds the per-conversation read positions. */
export async function loadReceipts(conv, message) {
  const data = await api.get(`/conversations/${seg(conv)}/messages/${seg(message.id)}/receipts`);
  if (!state.reads.has(conv)) state.reads.set(conv, new Map());
  const reads = state.reads.get(conv);
  for (const reader of data.read_by || []) {
    const id = typeof reader === "string" ? reader : reader.user_id || reader.id;
    reads.set(id, Math.max(reads.get(id) || 0, message.seq));
  }
  emit("receipts", conv);
  return data;
}
