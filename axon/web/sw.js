// Service worker: keeps the app shell in a cache of its own so the client opens fast, and opens
// offline. The server prepends `const SHELL = {version, files}` (axon/api/webapp.py): the files of
// axon/web/ and a hash of them, so a deploy brings a new worker, a new cache, and the old one goes.
// Only those files are ever answered from the cache. API calls, the WebSocket and anything else
// are not touched (no respondWith): no API response or message text is stored here.
/* global SHELL */

const PREFIX = "axon-shell-";
const CACHE = PREFIX + SHELL.version;
const FILES = new Set(SHELL.files);
const INDEX = "/";

self.addEventListener("install", (event) => {
  // `reload`: fetched from the server, not from the HTTP cache, so the cache matches this version.
  const fill = caches.open(CACHE).then((cache) => cache.addAll(SHELL.files.map((url) => new Request(url, { cache: "reload" }))));
  event.waitUntil(fill.then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  const dropOld = caches.keys().then((keys) => Promise.all(
    keys.filter((key) => key.startsWith(PREFIX) && key !== CACHE).map((key) => caches.delete(key))));
  event.waitUntil(dropOld.then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === INDEX || url.pathname === "/index.html") event.respondWith(networkFirst(request));
  else if (FILES.has(url.pathname)) event.respondWith(cacheFirst(request));
});

/** The page itself: from the server when it answers (so a deploy shows at once), else the cached copy. */
async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(INDEX, response.clone());
    return response;
  } catch (err) {
    const cached = await cache.match(INDEX);
    if (cached) return cached;
    throw err;
  }
}

/** Scripts, styles, icons: this version's copy, or the network for one missing from the cache. */
async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  return cached || fetch(request);
}
