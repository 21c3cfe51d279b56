// Entry point: language and theme first, then either the sign-in screens or the app.

import { detectLanguage, setLanguage } from "./core/i18n.js";
import { prefs } from "./core/prefs.js";
import { state, emit, on } from "./core/store.js";
import { parseRoute } from "./ui/router.js";
import { applyTheme } from "./ui/theme.js";
import { startApp, showSignedOut } from "./ui/session.js";

setLanguage(detectLanguage());
applyTheme(prefs.theme());

state.route = parseRoute(location.hash);
window.addEventListener("hashchange", () => {
  state.route = parseRoute(location.hash);
  emit("route", state.route);
});

const root = document.getElementById("app");
const session = prefs.session();
const SIGNED_OUT_ROUTES = new Set(["invite", "signup", "confirm", "sso", "sso-failed"]);
if (session && session.token && !SIGNED_OUT_ROUTES.has(state.route.name)) startApp(root, session);
else showSignedOut(root);

// The service worker keeps the app shell for quick and offline starts (sw.js); never API data.
if ("serviceWorker" in navigator) {
  window.addEventListener("load", () => navigator.serviceWorker.register("sw.js").catch(() => {}));
}

// Expose a read-only view of the state for debugging and for the browser tests.
Object.defineProperty(window, "axon", { value: Object.freeze({ state, on }) });
