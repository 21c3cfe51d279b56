// Signing in and out: which screen is shown, and the lifetime of the engine.

import { api, engine } from "../core/engine.js";
import { loadDirectory } from "../core/history.js";
import { prefs } from "../core/prefs.js";
import { forgetFiles } from "../core/files.js";
import { state, emit, on, resetState } from "../core/store.js";
import { mountApp, unmountApp } from "./app.js";
import { mountSignedOut } from "./login.js";
import { notifyMessage } from "./notify.js";
import { clearBrowserStorage, confirmWipe } from "../core/wipe.js";

let root = null;
let stopSaving = null;

export function startApp(container, session) {
  root = container;
  state.session = { ...session };
  api.token = session.token;
  api.onUnauthenticated = (failure) => (failure.code === "wipe_requested" ? wipeSession() : endSession("expired"));
  engine.hooks.fatal = (code) => {
    if (code === 4004) wipeSession();
    else endSession(code === 4003 ? "revoked" : "expired");
  };
  engine.hooks.message = notifyMessage;
  stopSaving = on("session", () => state.session && prefs.setSession(state.session));
  engine.start(state.session);
  loadDirectory().catch(() => {});
  refreshOrg();
  mountApp(root);
}

/** The organisation as it is now: a saved session may hold a name an admin has since changed. */
function refreshOrg() {
  api.get("/org").then((org) => {
    if (!state.session) return;
    state.session.org = org;
    emit("session");
  }).catch(() => {});
}

/** A successful login or sign-up: {token, device, user, org}. */
export function signedIn(container, result) {
  const session = { token: result.token, user: result.user, org: result.org || null, device_id: result.device.id };
  prefs.setSession(session);
  if (["invite", "signup", "confirm", "sso", "login"].includes(state.route.name)) {
    history.replaceState(null, "", "#/");
    state.route = { name: "home" };
  }
  startApp(container, session);
}

export async function signOut() {
  try {
    await api.post("/auth/logout");
  } catch {
    // The device is forgotten locally either way.
  }
  endSession(null);
}

function endSession(reason) {
  if (!state.session) return;
  prefs.forgetDevice(state.session.device_id, state.session.user.id);
  stopApp();
  emit("signed-out");
  showSignedOut(root, reason);
}

/** The server ordered this device to wipe its local data: stop everything that could still write to
 * storage, delete all of it, show sign-in, then confirm the wipe with the token (held in memory only). */
async function wipeSession() {
  if (!state.session) return;
  const token = api.token;
  stopApp();
  await clearBrowserStorage();
  emit("signed-out");
  showSignedOut(root, "wiped");
  await confirmWipe(token);
}

function stopApp() {
  engine.stop();
  api.token = null;
  if (stopSaving) stopSaving();
  unmountApp();
  resetState();
  forgetFiles();
}

export function showSignedOut(container, reason = null) {
  root = container;
  mountSignedOut(container, reason, (result) => signedIn(container, result));
}
