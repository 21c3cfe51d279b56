// Which users' presence this connection follows: the open conversation's members
// and every direct-message peer. Re-sent when that set changes and after each resume.

import { engine } from "../core/engine.js";
import { on, state } from "../core/store.js";

const MAX = 1000;

export function startPresence() {
  let sent = "";
  const update = (force = false) => {
    const wanted = new Set();
    for (const c of state.conversations.values()) if (c.kind === "direct" && c.peer_id) wanted.add(c.peer_id);
    const r = state.route;
    const members = r.name === "conversation" ? state.members.get(r.conv) : null;
    if (members) for (const id of members.keys()) wanted.add(id);
    const list = [...wanted].sort().slice(0, MAX);
    const key = list.join(",");
    if (!force && key === sent) return;
    if (engine.send({ t: "presence_sub", users: list, ref: "presence" })) sent = key;
  };
  const onVisibility = () => engine.send({ t: "presence", state: document.hidden ? "away" : "online" });
  document.addEventListener("visibilitychange", onVisibility);
  const stops = [
    on("synced", () => { update(true); onVisibility(); }),
    on("conversations", () => update()),
    on("members", () => update()),
    on("route", () => update()),
  ];
  return () => {
    stops.forEach((stop) => stop());
    document.removeEventListener("visibilitychange", onVisibility);
  };
}

export function presenceOf(userId) {
  if (state.session && userId === state.session.user.id) return state.connection === "live" ? "online" : "offline";
  const p = state.presence.get(userId);
  return p ? p.state : "offline";
}
