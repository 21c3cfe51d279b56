// Files as the client knows them (docs/files.md): the short-lived URLs the browser puts in
// <img>/<audio>/<video> (which cannot send the bearer token), and which voice messages the
// user has played. No DOM here.
//
// URLs come from POST /files/urls, batched: every request made in one task becomes one call
// (at most 200 ids). Each URL is kept until shortly before its `expires_at`, then asked for again.

import { api } from "./engine.js";
import { seg } from "./api.js";
import { emit } from "./store.js";

const BATCH_MAX = 200;
const REFRESH_BEFORE_MS = 60_000; // never hand out a URL that expires within a minute

const urls = new Map(); // file id -> {content, thumbnail, expires} ; absent: not asked or not readable
let waiting = new Map(); // file id -> [resolve] for the next batch
let scheduled = false;

/** The URLs of one file ({content, thumbnail}), or null when the user may not read it. */
export function fileUrls(fileId, { fresh = false } = {}) {
  const known = urls.get(fileId);
  if (known && !fresh && known.expires - Date.now() > REFRESH_BEFORE_MS) return Promise.resolve(known);
  return new Promise((resolve) => {
    if (!waiting.has(fileId)) waiting.set(fileId, []);
    waiting.get(fileId).push(resolve);
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(flush);
    }
  });
}

async function flush() {
  scheduled = false;
  const batch = waiting;
  waiting = new Map();
  const ids = [...batch.keys()];
  for (let i = 0; i < ids.length; i += BATCH_MAX) await ask(ids.slice(i, i + BATCH_MAX), batch);
}

async function ask(ids, batch) {
  let answer = null;
  try {
    answer = await api.post("/files/urls", { ids });
  } catch (err) {
    console.warn("file URLs not loaded", err);
  }
  const expires = answer && answer.expires_at ? Date.parse(answer.expires_at) : 0;
  for (const id of ids) {
    const got = answer && answer.urls ? answer.urls[id] : null;
    const entry = got ? { content: got.content, thumbnail: got.thumbnail || null, expires } : null;
    if (entry) urls.set(id, entry);
    for (const resolve of batch.get(id)) resolve(entry);
  }
}

/** A URL that makes the browser save the file instead of showing it. */
export function downloadUrl(content) {
  return `${content}${content.includes("?") ? "&" : "?"}download=1`;
}

// ----- voice messages played -----------------------------------------------------

const played = new Set(); // voice file ids this user has played (on any device)
const playedLoaded = new Set(); // conversations whose played list came from the server

export function isPlayed(fileId) {
  return played.has(fileId);
}

/** Whether the unplayed marker may be shown yet (the conversation's list is in). */
export function playedKnown(convId) {
  return playedLoaded.has(convId);
}

const playedLoading = new Map(); // conv id -> the request in flight (many players ask at once)

/** GET /conversations/{id}/played, once per conversation and page load. */
export function loadPlayed(convId) {
  if (playedLoaded.has(convId)) return Promise.resolve();
  if (!playedLoading.has(convId)) {
    playedLoading.set(convId, api.get(`/conversations/${seg(convId)}/played`).then((answer) => {
      for (const id of answer.file_ids || []) played.add(id);
      playedLoaded.add(convId);
      emit("played", null);
    }).finally(() => playedLoading.delete(convId)));
  }
  return playedLoading.get(convId);
}

/** The user started a voice message: remember it here and tell the server (and so the other devices). */
export function markPlayed(fileId) {
  if (played.has(fileId)) return;
  played.add(fileId);
  emit("played", fileId);
  api.post(`/files/${seg(fileId)}/played`).catch((err) => console.warn("played not recorded", err));
}

/** The `voice.played` user event: another device of this user played it. */
export function applyPlayedEvent(data) {
  if (!data || !data.file_id || played.has(data.file_id)) return;
  played.add(data.file_id);
  emit("played", data.file_id);
}

export function forgetFiles() {
  urls.clear();
  played.clear();
  playedLoaded.clear();
  playedLoading.clear();
}
