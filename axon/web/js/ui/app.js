// The signed-in layout: connection banner, sidebar, main view, side panel.
// Views subscribe to store topics and keep themselves current; a language switch
// rebuilds the whole layout (the state lives in the store, so nothing is lost).

import { t } from "../core/i18n.js";
import { on, state } from "../core/store.js";
import { h, clear } from "./dom.js";
import { mountBanner } from "./banner.js";
import { mountSidebar } from "./sidebar.js";
import { mountConversation } from "./conversation.js";
import { mountPanel } from "./panel.js";
import { mountSettings } from "./settings.js";
import { mountAdmin } from "./admin.js";
import { mountHome } from "./home.js";
import { mountSearchView } from "./search_view.js";
import { mountCalendarView } from "./calendar_view.js";
import { startCalendarNotices } from "./calendar_notify.js";
import "./assistant_reminder.js";
import { startShortcuts } from "./shortcuts.js";
import { startPresence } from "./presence.js";
import { startTitle } from "./notify.js";
import { startProfileCards } from "./profile-card.js";
import "./assistant_proposal.js";
import "./assistant_results.js"; // registers the card of the @axon assistant's answers

let root = null;
let teardown = [];
let mainView = { key: null, destroy: () => {} };
let panelView = { key: null, destroy: () => {} };
let nodes = null;

export function mountApp(container) {
  root = container;
  build();
  teardown.push(on("route", () => route()), on("language", () => rebuild()), on("left", (id) => left(id)),
    on("conversations", () => state.route.name === "conversation" && route()));
  teardown.push(startPresence(), startTitle(), startShortcuts(), startProfileCards(), startCalendarNotices());
}

export function unmountApp() {
  for (const stop of teardown) stop();
  teardown = [];
  if (nodes) nodes.stops.forEach((stop) => stop());
  nodes = null;
  destroyViews();
  if (root) clear(root);
}

function build() {
  nodes = {
    banner: h("div", { class: "banner", role: "status", "data-testid": "conn-banner" }),
    sidebar: h("aside", { class: "sidebar", "aria-label": t("a11y.sidebar"), "data-testid": "sidebar" }),
    main: h("main", { class: "main" }),
    panel: h("aside", { class: "panel", "aria-label": t("a11y.panel"), "data-testid": "panel" }),
  };
  nodes.layout = h("div", { class: "layout" }, nodes.sidebar, nodes.main, nodes.panel);
  clear(root).append(h("div", { class: "app" }, nodes.banner, nodes.layout));
  const stopBanner = mountBanner(nodes.banner);
  const stopSidebar = mountSidebar(nodes.sidebar);
  nodes.stops = [stopBanner, stopSidebar];
  route();
}

function rebuild() {
  for (const stop of nodes.stops) stop();
  destroyViews();
  build();
}

function destroyViews() {
  mainView.destroy();
  panelView.destroy();
  mainView = { key: null, destroy: () => {} };
  panelView = { key: null, destroy: () => {} };
}

function route() {
  const r = state.route;
  // A conversation view is rebuilt when the conversation appears (after the first
  // welcome, or when we join it), so deep links work before the state is loaded.
  const mainKey = r.name === "conversation" ? `c:${r.conv}:${state.conversations.has(r.conv)}`
    : r.name === "admin" ? `admin:${r.tab}` : r.name;
  if (mainKey !== mainView.key) {
    mainView.destroy();
    clear(nodes.main);
    mainView = { key: mainKey, destroy: mountMain(r) || (() => {}) };
  }
  const panelKey = r.name === "conversation" && r.panel ? `${r.conv}/${r.panel}/${r.panelId}` : null;
  if (panelKey !== panelView.key) {
    panelView.destroy();
    clear(nodes.panel);
    panelView = { key: panelKey, destroy: panelKey ? mountPanel(nodes.panel, r) : () => {} };
  }
  nodes.layout.classList.toggle("has-main", r.name !== "home");
  nodes.layout.classList.toggle("has-panel", Boolean(panelKey));
}

function mountMain(r) {
  if (r.name === "conversation") return mountConversation(nodes.main, r.conv);
  if (r.name === "settings") return mountSettings(nodes.main);
  if (r.name === "admin") return mountAdmin(nodes.main, r.tab);
  if (r.name === "search") return mountSearchView(nodes.main);
  if (r.name === "calendar") return mountCalendarView(nodes.main);
  return mountHome(nodes.main);
}

function left(convId) {
  if (state.route.name === "conversation" && state.route.conv === convId) location.hash = "#/";
}

