// Everything the client keeps in localStorage, under one prefix, in one place.
// Per-user data (outbox, stream positions) is keyed by user id so two
// accounts used in one browser never see each other's local state.

const PREFIX = "axon.";

function read(key, fallback) {
  try {
    const raw = localStorage.getItem(PREFIX + key);
    return raw === null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
}

function write(key, value) {
  try {
    if (value === undefined || value === null) localStorage.removeItem(PREFIX + key);
    else localStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Storage full or disabled (private mode): the client still works, it only forgets.
  }
}

export const prefs = {
  session: () => read("session", null),
  setSession: (session) => write("session", session),

  theme: () => read("theme", "auto"),
  setTheme: (theme) => write("theme", theme),

  language: () => read("lang", null),
  setLanguage: (lang) => write("lang", lang),

  // Mutes of older versions, kept here before they moved to the server (read once, then cleared).
  muted: (userId) => new Set(read(`muted.${userId}`, [])),
  setMuted: (userId, set) => write(`muted.${userId}`, [...set]),

  // hc: emoji picker (recently used, skin tone)
  recentEmoji: (userId) => read(`emoji.recent.${userId}`, []),
  setRecentEmoji: (userId, list) => write(`emoji.recent.${userId}`, list),
  emojiSkin: (userId) => read(`emoji.skin.${userId}`, ""),
  setEmojiSkin: (userId, tone) => write(`emoji.skin.${userId}`, tone),

  outbox: (userId) => read(`outbox.${userId}`, []),
  setOutbox: (userId, entries) => write(`outbox.${userId}`, entries),

  // files-web: unfinished uploads, "conv|name|size|lastModified" -> {id, at}, so that picking the
  // same file again after a reload continues it (core/uploads.js)
  uploads: (userId) => read(`uploads.${userId}`, {}),
  setUploads: (userId, map) => write(`uploads.${userId}`, Object.keys(map).length ? map : null),

  stream: (deviceId) => read(`stream.${deviceId}`, { epoch: null, user_seq: 0 }),
  setStream: (deviceId, stream) => write(`stream.${deviceId}`, stream),

  /** Wipe what belongs to a device that was signed out or revoked. */
  forgetDevice(deviceId, userId) {
    write("session", null);
    write(`stream.${deviceId}`, null);
    write(`outbox.${userId}`, null);
    write(`uploads.${userId}`, null);
  },
};
