// Uploading one file into a conversation, in chunks, resumably (docs/files.md, docs/web.md "Files").
//
//   queued ──start──▶ uploading ──last chunk answered with `file`──▶ done
//      │                 │  ▲ └──refused (too large, quota, not allowed…)──▶ failed ──retry──▶ queued
//      │                 │  └── network error / 5xx: wait (backoff, or until online) and go on
//      └──── cancel ─────┴──────────────────────────────────────────────▶ cancelled (DELETE /uploads/{id})
//
// The size limit is checked before any request (the organisation's `max_file_bytes`); the server
// checks it again (413 file_too_large). An upload is created with POST /conversations/{id}/uploads
// and fed with PUT /uploads/{id}?offset=N, `chunk_size` bytes at a time. Its id is remembered in
// localStorage under (conversation, name, size, lastModified): after a reload, picking or dropping
// the same file again asks GET /uploads/{id} where it stands and continues from there. A 409
// upload_offset_mismatch says where the server is; the upload continues from that offset.

import { ApiError, seg } from "./api.js";
import { api } from "./engine.js";
import { prefs } from "./prefs.js";
import { state } from "./store.js";

export const UPLOAD = { QUEUED: "queued", UPLOADING: "uploading", DONE: "done", FAILED: "failed", CANCELLED: "cancelled" };

export const DEFAULT_MAX_FILE_BYTES = 1024 ** 3;
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 15_000;
const MAX_ATTEMPTS = 12; // transient failures in a row before the upload says it failed

/** The organisation's largest accepted file, as `GET /org` says (1 GiB when it says nothing). */
export function maxFileBytes() {
  const org = (state.session && state.session.org) || {};
  const limit = org.policy && org.policy.max_file_bytes;
  return typeof limit === "number" && limit > 0 ? limit : DEFAULT_MAX_FILE_BYTES;
}

/** The error a file meets before it is sent (too large), or null. */
export function refuseBeforeUpload(file) {
  const limit = maxFileBytes();
  if (file.size > limit) return new ApiError(413, "file_too_large", "", { limit });
  return null;
}

const resumeKey = (conv, file) => `${conv}|${file.name}|${file.size}|${file.lastModified || 0}`;

function remembered(conv, file) {
  const map = prefs.uploads(state.session.user.id);
  return (map[resumeKey(conv, file)] || {}).id || null;
}

function remember(conv, file, id) {
  const userId = state.session.user.id;
  const map = prefs.uploads(userId);
  if (id) map[resumeKey(conv, file)] = { id, at: new Date().toISOString() };
  else delete map[resumeKey(conv, file)];
  prefs.setUploads(userId, map);
}

/** Uploads of this conversation left unfinished (a reload, a crash): {key, id, name, size}. */
export function unfinishedUploads(conv) {
  if (!state.session) return [];
  return Object.entries(prefs.uploads(state.session.user.id)).flatMap(([key, saved]) => {
    const parts = key.split("|");
    if (parts[0] !== conv || parts.length < 4) return [];
    return [{ key, id: saved.id, name: parts.slice(1, -2).join("|"), size: Number(parts[parts.length - 2]) }];
  });
}

/** Gives an unfinished upload up: the server drops it, and it is no longer offered. */
export function forgetUnfinished(entry, { cancel = true } = {}) {
  const userId = state.session.user.id;
  const map = prefs.uploads(userId);
  delete map[entry.key];
  prefs.setUploads(userId, map);
  if (cancel) api.del(`/uploads/${seg(entry.id)}`).catch(() => {});
}

let localIds = 0;

export class FileUpload {
  /** `voice`: a recorded voice message (the server computes its waveform and duration). */
  constructor(conv, file, { voice = false, onChange = () => {} } = {}) {
    Object.assign(this, { conv, file, voice, onChange });
    this.key = `u${++localIds}`;
    this.name = file.name;
    this.size = file.size;
    this.sent = 0;
    this.state = UPLOAD.QUEUED;
    this.error = null;
    this.resumed = false;
    this.info = null; // FileInfo once done
    this.serverId = null;
    this.xhr = null;
    this.wake = null;
  }

  get finished() {
    return this.state === UPLOAD.DONE;
  }

  /** Runs the upload to its end; resolves with the FileInfo, or null when it failed or was cancelled. */
  async start() {
    if (this.state !== UPLOAD.QUEUED) return this.info;
    const refused = refuseBeforeUpload(this.file);
    if (refused) return this.fail(refused);
    this.state = UPLOAD.UPLOADING; // shown once it is known whether it resumes (the row says "waiting" till then)
    try {
      await this.run();
    } catch (err) {
      if (this.state === UPLOAD.UPLOADING) this.fail(err);
    }
    return this.info;
  }

  retry() {
    if (this.state !== UPLOAD.FAILED) return null;
    this.error = null;
    this.state = UPLOAD.QUEUED;
    return this.start();
  }

  /** Stops it for good: the server forgets the upload (a finished file is simply not sent). */
  cancel() {
    if (this.state === UPLOAD.CANCELLED) return;
    const finished = this.state === UPLOAD.DONE;
    this.stop();
    if (this.serverId && !finished) api.del(`/uploads/${seg(this.serverId)}`).catch(() => {});
    if (!this.voice) remember(this.conv, this.file, null);
  }

  /** Stops sending but keeps the upload on the server: picking the same file again continues it. */
  pause() {
    if (this.state === UPLOAD.UPLOADING || this.state === UPLOAD.QUEUED) this.stop();
  }

  stop() {
    this.set(UPLOAD.CANCELLED);
    if (this.xhr) this.xhr.abort();
    if (this.wake) this.wake();
  }

  async run() {
    let upload = await this.open();
    let attempts = 0;
    while (!upload.file && this.state === UPLOAD.UPLOADING) {
      try {
        upload = await this.putChunk(upload);
        attempts = 0;
      } catch (err) {
        if (this.state !== UPLOAD.UPLOADING) return;
        if (err.code === "upload_offset_mismatch" && err.details && Number.isInteger(err.details.offset)) {
          upload = { ...upload, offset: err.details.offset }; // the server knows better: go on from there
        } else if (err.code === "not_found" && attempts === 0) {
          remember(this.conv, this.file, null); // expired meanwhile: start again
          upload = await this.create();
        } else if (err.transient && (attempts += 1) < MAX_ATTEMPTS) {
          await this.backoff(attempts);
        } else {
          throw err;
        }
      }
      this.sent = upload.offset;
      this.onChange(this);
    }
    if (this.state !== UPLOAD.UPLOADING) return;
    this.info = upload.file;
    this.sent = this.size;
    if (!this.voice) remember(this.conv, this.file, null);
    this.set(UPLOAD.DONE);
  }

  /** The upload this file had before (continued), or a new one. */
  async open() {
    const known = this.voice ? null : remembered(this.conv, this.file);
    if (known) {
      try {
        const upload = await api.get(`/uploads/${seg(known)}`);
        if (upload.size === this.size && upload.conversation_id === this.conv) {
          this.serverId = upload.id;
          this.sent = upload.offset;
          this.resumed = upload.offset > 0 && !upload.file;
          this.onChange(this);
          return upload;
        }
      } catch (err) {
        if (err.transient) throw err;
      }
      remember(this.conv, this.file, null); // gone (expired, cancelled elsewhere): start again
    }
    return this.create();
  }

  async create() {
    const body = { name: this.name, size: this.size };
    if (this.file.type) body.mime = this.file.type;
    if (this.voice) body.voice = true;
    const upload = await api.post(`/conversations/${seg(this.conv)}/uploads`, body);
    this.serverId = upload.id;
    if (!this.voice && !upload.file) remember(this.conv, this.file, upload.id);
    return upload;
  }

  /** PUT the next chunk; XMLHttpRequest rather than fetch, for the upload's progress events. */
  putChunk(upload) {
    const end = Math.min(this.size, upload.offset + upload.chunk_size);
    const chunk = this.file.slice(upload.offset, end);
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      this.xhr = xhr;
      xhr.open("PUT", `${api.base}/uploads/${seg(upload.id)}?offset=${upload.offset}`);
      xhr.setRequestHeader("Authorization", `Bearer ${api.token}`);
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = (ev) => {
        this.sent = upload.offset + Math.min(ev.loaded, end - upload.offset);
        this.onChange(this);
      };
      xhr.onload = () => {
        this.xhr = null;
        const body = parse(xhr.responseText);
        if (xhr.status >= 200 && xhr.status < 300 && body) return resolve(body);
        const error = (body && body.error) || {};
        reject(new ApiError(xhr.status, error.code || `http_${xhr.status}`, error.message, error.details));
      };
      xhr.onerror = () => { this.xhr = null; reject(new ApiError(0, "network", "upload interrupted")); };
      xhr.onabort = () => { this.xhr = null; reject(new ApiError(0, "cancelled", "upload cancelled")); };
      xhr.send(chunk);
    });
  }

  /** Waits before the next attempt: doubling delays with jitter, and never while the browser is offline. */
  backoff(attempt) {
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (attempt - 1)) * (0.75 + Math.random() / 2);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        window.removeEventListener("online", done);
        this.wake = null;
        resolve();
      };
      const timer = navigator.onLine === false ? null : setTimeout(done, delay);
      window.addEventListener("online", done);
      this.wake = done;
    });
  }

  fail(err) {
    this.error = { code: err.code || "internal_error", message: err.message || "", details: err.details || {} };
    this.set(UPLOAD.FAILED);
    return null;
  }

  set(next) {
    this.state = next;
    this.onChange(this);
  }
}

function parse(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}
