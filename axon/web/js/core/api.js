// REST client for /api/v1 (docs/api.md). Every failure becomes an ApiError with the
// server's stable error code, or "network" when the request never got an answer.

export class ApiError extends Error {
  constructor(status, code, message, details = {}) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  get transient() {
    return this.code === "network" || this.code === "rate_limited" || this.status >= 500;
  }
}

export class Api {
  constructor(base = "/api/v1") {
    this.base = base;
    this.token = null;
    this.onUnauthenticated = () => {};
  }

  async request(method, path, body = undefined, query = undefined, extraHeaders = {}) {
    const url = this.base + path + queryString(query);
    const headers = { Accept: "application/json", ...extraHeaders };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new ApiError(0, "network", err.message);
    }
    const data = await readJson(response);
    if (response.ok) return data;
    const error = (data && data.error) || {};
    const failure = new ApiError(response.status, error.code || `http_${response.status}`, error.message, error.details);
    // A wrong password (e.g. when changing it) is a 401 too, but does not end the session.
    if (response.status === 401 && this.token && failure.code !== "invalid_credentials") this.onUnauthenticated(failure);
    throw failure;
  }

  /** GET an image (or other bytes) with the bearer token: images cannot send headers themselves. */
  async blob(path) {
    const response = await this.raw("GET", path);
    return response.blob();
  }

  /** PUT raw bytes (an avatar); answers the JSON body. */
  async putBytes(path, blob) {
    const response = await this.raw("PUT", path, blob);
    return readJson(response);
  }

  async raw(method, path, body = undefined) {
    const headers = this.token ? { Authorization: `Bearer ${this.token}` } : {};
    if (body !== undefined) headers["Content-Type"] = body.type || "application/octet-stream";
    let response;
    try {
      response = await fetch(this.base + path, { method, headers, body });
    } catch (err) {
      throw new ApiError(0, "network", err.message);
    }
    if (response.ok) return response;
    const error = ((await readJson(response)) || {}).error || {};
    throw new ApiError(response.status, error.code || `http_${response.status}`, error.message, error.details);
  }

  get(path, query) { return this.request("GET", path, undefined, query); }
  post(path, body = {}, headers = {}) { return this.request("POST", path, body, undefined, headers); }
  patch(path, body) { return this.request("PATCH", path, body); }
  put(path, body) { return this.request("PUT", path, body); }
  del(path) { return this.request("DELETE", path); }

  /** Follow next_cursor until the end (or `max` items); plain-array answers are taken whole. */
  async all(path, query = {}, max = 2000) {
    const items = [];
    let cursor = null;
    do {
      const page = await this.get(path, { ...query, limit: 200, cursor });
      items.push(...listOf(page));
      cursor = page && !Array.isArray(page) ? page.next_cursor : null;
    } while (cursor && items.length < max);
    return items;
  }
}

/** Some list endpoints answer a page ({items, ...}), some a bare array: accept both. */
export function listOf(data) {
  if (Array.isArray(data)) return data;
  return (data && data.items) || [];
}

export const seg = encodeURIComponent;

/** The longest search the server accepts (`q` of GET /users and /channels), in characters. */
export const MAX_QUERY_CHARS = 100;

/** A search query as sent: trimmed and cut to the server's limit (code points, as Python counts). */
export function clampQuery(q) {
  const chars = Array.from(String(q ?? "").trim());
  return chars.length > MAX_QUERY_CHARS ? chars.slice(0, MAX_QUERY_CHARS).join("").trim() : chars.join("");
}

function queryString(query) {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

async function readJson(response) {
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { error: { code: `http_${response.status}`, message: text.slice(0, 200) } };
  }
}
