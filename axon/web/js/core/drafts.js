// Drafts kept on the server (docs/api.md, Draft), so that text started on one device is there
// on the others: saved about a second after typing stops and at once when the conversation is
// left, adopted from draft.updated user events while nothing newer is waiting to be saved here.
// Sending clears the draft on the server in the same write as the message, so the client only
// forgets it locally (and clears it after a save that was still on its way).

import { seg } from "./api.js";
import { api } from "./engine.js";
import { emit, state } from "./store.js";

const SAVE_AFTER_MS = 1000;
const waiting = new Map(); // key -> {timer, conv, root, text}: typed, not yet sent to the server
const saving = new Map(); // key -> promise of the save on its way

export const draftKey = (conv, root) => (root ? `${conv}/${root}` : conv);

export function draftText(conv, root) {
  const key = draftKey(conv, root);
  if (waiting.has(key)) return waiting.get(key).text;
  const draft = state.drafts.get(key);
  return draft ? draft.text : "";
}

/** Whether the conversation has a draft (of itself or of one of its threads). */
export function hasDraft(conv) {
  for (const draft of state.drafts.values()) if (draft.conversation_id === conv && draft.text) return true;
  return false;
}

/** Is a local change of this draft still to reach the server? (Then events about it are older.) */
export function draftBusy(conv, root) {
  const key = draftKey(conv, root);
  return waiting.has(key) || saving.has(key);
}

/** The composer's text changed: keep it, and save it once typing pauses. */
export function setDraft(conv, root, text) {
  const key = draftKey(conv, root);
  clearTimeout((waiting.get(key) || {}).timer);
  const timer = setTimeout(() => saveDraft(conv, root), SAVE_AFTER_MS);
  waiting.set(key, { timer, conv, root, text });
  remember(conv, root, text);
}

/** Save now what is waiting (leaving the conversation, closing the page). */
export function saveDraft(conv, root) {
  const key = draftKey(conv, root);
  const entry = waiting.get(key);
  if (!entry) return saving.get(key) || Promise.resolve();
  clearTimeout(entry.timer);
  waiting.delete(key);
  return chain(key, () => store(conv, root, entry.text));
}

/** The draft was sent as a message: the server cleared it with the send. */
export function draftSent(conv, root) {
  const key = draftKey(conv, root);
  clearTimeout((waiting.get(key) || {}).timer);
  waiting.delete(key);
  remember(conv, root, "");
  // A save still on its way could land after the message and bring the draft back.
  if (saving.has(key)) chain(key, () => store(conv, root, ""));
}

export async function loadDrafts() {
  const items = await api.get("/me/drafts");
  const fresh = new Map();
  for (const d of items || []) fresh.set(draftKey(d.conversation_id, d.thread_root), d);
  for (const key of [...waiting.keys(), ...saving.keys()]) {
    if (state.drafts.has(key)) fresh.set(key, state.drafts.get(key));
    else fresh.delete(key);
  }
  state.drafts = fresh;
  emit("drafts");
  emit("conversations");
}

/** A draft.updated user event (from this device's saves too). */
export function applyDraftEvent(d) {
  const key = draftKey(d.conversation_id, d.thread_root);
  if (waiting.has(key) || saving.has(key)) return;
  const known = state.drafts.get(key);
  if (known && known.updated_at && d.updated_at && d.updated_at < known.updated_at) return;
  if (d.text) state.drafts.set(key, { ...d });
  else state.drafts.delete(key);
  emit("drafts", key);
  emit("conversations");
}

function remember(conv, root, text) {
  const key = draftKey(conv, root);
  const had = state.drafts.has(key);
  if (text) state.drafts.set(key, { conversation_id: conv, thread_root: root || null, text, updated_at: null });
  else state.drafts.delete(key);
  if (had !== Boolean(text)) emit("conversations");
}

function chain(key, fn) {
  const run = (saving.get(key) || Promise.resolve()).then(fn).catch((err) => console.warn("draft not saved", err));
  saving.set(key, run);
  run.then(() => { if (saving.get(key) === run) saving.delete(key); });
  return run;
}

// Closing or reloading the page within the pause would lose the last words typed: send what is
// waiting with keepalive requests, which the browser completes after the page is gone.
function saveBeforeLeaving() {
  for (const [key, entry] of waiting) {
    clearTimeout(entry.timer);
    waiting.delete(key);
    const path = `${api.base}/conversations/${seg(entry.conv)}/draft`;
    const headers = { Authorization: `Bearer ${api.token}`, "Content-Type": "application/json" };
    const request = entry.text
      ? { method: "PUT", body: JSON.stringify({ text: entry.text, thread_root: entry.root || null }) }
      : { method: "DELETE" };
    const query = !entry.text && entry.root ? `?thread_root=${seg(entry.root)}` : "";
    if (api.token) fetch(path + query, { ...request, headers, keepalive: true }).catch(() => {});
  }
}
// Hidden first (tab switched, closed, reloaded), then possibly discarded: save at the first sign.
addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") saveBeforeLeaving(); });
addEventListener("pagehide", saveBeforeLeaving);

async function store(conv, root, text) {
  const path = `/conversations/${seg(conv)}/draft`;
  const saved = text
    ? await api.request("PUT", path, { text, thread_root: root || null })
    : await api.request("DELETE", path, undefined, root ? { thread_root: root } : undefined);
  const key = draftKey(conv, root);
  if (saved && !waiting.has(key) && state.drafts.has(key)) state.drafts.get(key).updated_at = saved.updated_at;
}
