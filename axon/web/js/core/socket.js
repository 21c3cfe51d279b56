// The WebSocket transport as an explicit state machine (docs/web.md, "Connection").
//
//   idle ──start──▶ connecting ──welcome──▶ syncing ──synced──▶ live
//                      ▲  │                    │                  │
//                      │  └──────── close / heartbeat lost ───────┤
//                      │                                          ▼
//                      └──────────── backoff timer ─────────── waiting
//   any ──browser offline──▶ offline ──browser online──▶ connecting
//   any ──stop / 4001 / 4003 / 4004──▶ stopped
//
// The engine supplies the hello frame (positions) and receives every frame.

export const CONN = Object.freeze({
  IDLE: "idle", CONNECTING: "connecting", SYNCING: "syncing", LIVE: "live",
  WAITING: "waiting", OFFLINE: "offline", STOPPED: "stopped",
});

const ALLOWED = {
  idle: ["connecting", "offline", "stopped"],
  connecting: ["syncing", "waiting", "offline", "stopped"],
  syncing: ["live", "waiting", "offline", "stopped"],
  live: ["waiting", "offline", "stopped"],
  waiting: ["connecting", "offline", "stopped"],
  offline: ["connecting", "stopped"],
  stopped: ["connecting"],
};

const MAX_BACKOFF_MS = 15000;

export class Connection {
  constructor({ url, hello, onFrame, onState, onFatal }) {
    this.url = url;
    this.hello = hello;
    this.onFrame = onFrame;
    this.onState = onState;
    this.onFatal = onFatal;
    this.state = CONN.IDLE;
    this.ws = null;
    this.attempts = 0;
    this.timers = { retry: null, ping: null };
    this.heartbeat = { interval: 15, timeout: 45 };
    this.lastFrameAt = 0;
    this.onOnline = () => this.state === CONN.OFFLINE && this.open();
    this.onOffline = () => this.goOffline();
    window.addEventListener("online", this.onOnline);
    window.addEventListener("offline", this.onOffline);
  }

  start() {
    if (navigator.onLine === false) this.transition(CONN.OFFLINE);
    else this.open();
  }

  stop() {
    this.transition(CONN.STOPPED);
    this.teardown(1000);
    window.removeEventListener("online", this.onOnline);
    window.removeEventListener("offline", this.onOffline);
  }

  /** Send a frame if the socket is open; false tells the caller to keep it for later. */
  send(frame) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    if (frame.t !== "hello" && this.state !== CONN.LIVE && this.state !== CONN.SYNCING) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  get live() {
    return this.state === CONN.LIVE;
  }

  transition(next) {
    if (next === this.state) return;
    if (!ALLOWED[this.state].includes(next)) {
      console.warn(`connection: ignored ${this.state} -> ${next}`);
      return;
    }
    this.state = next;
    this.onState(next);
  }

  open() {
    this.teardown();
    this.transition(CONN.CONNECTING);
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify(this.hello()));
    ws.onmessage = (msg) => this.receive(ws, msg.data);
    ws.onclose = (ev) => this.closed(ws, ev.code);
    ws.onerror = () => {}; // onclose follows and decides
  }

  receive(ws, data) {
    if (ws !== this.ws) return;
    this.lastFrameAt = Date.now();
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      console.warn("connection: frame is not JSON");
      return;
    }
    if (frame.t === "welcome") this.welcomed(frame);
    if (frame.t === "synced") {
      this.attempts = 0;
      this.transition(CONN.LIVE);
    }
    this.onFrame(frame);
  }

  welcomed(frame) {
    this.heartbeat = { interval: frame.heartbeat_interval || 15, timeout: frame.heartbeat_timeout || 45 };
    this.transition(CONN.SYNCING);
    clearInterval(this.timers.ping);
    this.timers.ping = setInterval(() => this.beat(), this.heartbeat.interval * 1000);
  }

  beat() {
    if (Date.now() - this.lastFrameAt > this.heartbeat.timeout * 1000) {
      this.reconnectSoon(); // the server went silent: the connection is dead
      return;
    }
    this.send({ t: "ping", ref: `k${Date.now()}` });
  }

  closed(ws, code) {
    if (ws !== this.ws) return;
    this.ws = null;
    clearInterval(this.timers.ping);
    if (this.state === CONN.STOPPED || this.state === CONN.OFFLINE) return;
    if (code === 4001 || code === 4003 || code === 4004) {
      this.transition(CONN.STOPPED);
      this.onFatal(code);
      return;
    }
    this.reconnectSoon();
  }

  reconnectSoon() {
    this.teardown();
    this.transition(CONN.WAITING);
    const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempts);
    this.attempts += 1;
    clearTimeout(this.timers.retry);
    this.timers.retry = setTimeout(() => this.open(), base / 2 + Math.random() * (base / 2));
  }

  /** Retry now (the user asked, or the tab came back): skips the remaining backoff. */
  retryNow() {
    if (this.state === CONN.WAITING) {
      clearTimeout(this.timers.retry);
      this.open();
    }
  }

  goOffline() {
    if (this.state === CONN.STOPPED) return;
    this.teardown();
    this.transition(CONN.OFFLINE);
  }

  teardown(code = 4000) {
    clearTimeout(this.timers.retry);
    clearInterval(this.timers.ping);
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) {
      try {
        ws.close(code === 1000 ? 1000 : 4000, "client");
      } catch {
        // already closing
      }
    }
  }
}
