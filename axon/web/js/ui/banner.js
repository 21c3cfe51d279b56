// The connection banner: hidden while live, otherwise says what is going on.

import { engine } from "../core/engine.js";
import { t } from "../core/i18n.js";
import { on, state } from "../core/store.js";
import { h, clear } from "./dom.js";

const TEXT = {
  idle: "conn.connecting",
  connecting: "conn.connecting",
  syncing: "conn.syncing",
  waiting: "conn.reconnecting",
  offline: "conn.offline",
  stopped: "conn.stopped",
};

export function mountBanner(el) {
  const render = () => {
    const s = state.connection;
    document.documentElement.dataset.conn = s;
    el.dataset.state = s;
    el.hidden = s === "live";
    clear(el);
    if (s === "live") return;
    el.append(h("span", { class: "banner-dot" }), h("span", null, t(TEXT[s] || "conn.connecting")));
    if (s === "waiting") {
      el.append(h("button", { class: "link", onclick: () => engine.conn && engine.conn.retryNow() }, t("conn.retry")));
    }
  };
  render();
  return on("connection", render);
}
