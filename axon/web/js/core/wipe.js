// Remote wipe (docs/security.md, "Devices and remote wipe"). When the server says this device was
// ordered to wipe (close code 4004, or a REST answer `wipe_requested`), everything this origin keeps in
// the browser is deleted — localStorage, sessionStorage, every IndexedDB database, every Cache Storage
// cache (the service worker's) — and only then is the wipe confirmed with the device's token, which
// the server accepts once and then revokes. The token is held in memory for that last call only.

const CONFIRM_TRIES = 6;

export async function clearBrowserStorage() {
  for (const storage of [globalThis.localStorage, globalThis.sessionStorage]) {
    try {
      storage.clear();
    } catch {
      // storage disabled: nothing kept there
    }
  }
  await Promise.all([deleteDatabases(), deleteCaches()]);
}

async function deleteDatabases() {
  if (!globalThis.indexedDB || !indexedDB.databases) return;
  const databases = await indexedDB.databases();
  await Promise.all(databases.map(({ name }) => new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    // "blocked": another tab still has it open; the deletion completes when that tab lets go.
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  })));
}

async function deleteCaches() {
  if (!globalThis.caches) return;
  const keys = await caches.keys();
  await Promise.all(keys.map((key) => caches.delete(key)));
}

/** Tell the server the data is gone; retried a few times if the network is away (nothing is left to lose). */
export async function confirmWipe(token) {
  if (!token) return;
  for (let attempt = 0; attempt < CONFIRM_TRIES; attempt += 1) {
    try {
      const response = await fetch("/api/v1/auth/wiped", { method: "POST", headers: { Authorization: `Bearer ${token}` } });
      if (response.status < 500) return; // 204, or 401: already confirmed (another tab did it)
    } catch {
      // offline: try again shortly
    }
    await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** attempt));
  }
}
