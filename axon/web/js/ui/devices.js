// A user's devices, as the user sees them in Settings and an admin in Admin › Users: name, platform,
// address, last activity, wipe status; revoke one, revoke all (others), order a wipe.

import { api } from "../core/engine.js";
import { listOf, seg } from "../core/api.js";
import { errorText, formatDateTime, formatRelative, t } from "../core/i18n.js";
import { h, clear } from "./dom.js";
import { confirmAction, toast } from "./dialogs.js";

const PENDING_REFRESH_MS = 3000; // while a wipe is pending and the list is shown, look for its confirmation

/**
 * The device list of one user. `base` is "/me/devices" or "/admin/users/{id}/devices";
 * `onCurrent()` signs the caller's own device out, `onChange` is told of changes.
 */
export function deviceList({ base, revokeAllPath, revokeAllLabel, onCurrent = null, onChange = () => {} }) {
  const list = h("ul", { class: "device-list", "data-testid": "device-list" });
  const revokeAll = h("button", { class: "btn small", "data-testid": "revoke-all-devices" }, revokeAllLabel);
  const el = h("div", { class: "devices" }, list, h("div", { class: "row end" }, revokeAll));
  let refresh = null;
  const reload = async () => {
    clearTimeout(refresh);
    try {
      // Plain revoked devices (signed out) are history; those with a wipe order stay, with its status.
      const devices = listOf(await api.get(base)).filter((d) => d.status !== "revoked");
      clear(list).append(...devices.map((d) => deviceItem(d, act)));
      if (!devices.length) list.append(h("li", { class: "dim" }, t("admin.no_devices")));
      revokeAll.hidden = !devices.some((d) => d.status === "active" && !d.current);
      if (devices.some((d) => d.status === "wipe_pending")) {
        refresh = setTimeout(() => { if (el.isConnected) reload(); }, PENDING_REFRESH_MS);
      }
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  const act = async (action, device) => {
    if (!(await confirmAction(t(`devices.${action}_confirm`, { name: device.name || device.platform || device.id })))) return;
    if (device.current && action === "revoke" && onCurrent) {
      onCurrent(); // signing out this very device (wiping it goes through the server, which then tells it)
      return;
    }
    try {
      if (action === "revoke") await api.del(`${base}/${seg(device.id)}`);
      else await api.post(`${base}/${seg(device.id)}/wipe`);
      if (action === "wipe") toast(t("devices.wipe_ordered"));
      onChange();
      reload();
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  revokeAll.addEventListener("click", async () => {
    if (!(await confirmAction(t("devices.revoke_all_confirm")))) return;
    try {
      await api.post(revokeAllPath);
      onChange();
      reload();
    } catch (err) {
      toast(errorText(err), "error");
    }
  });
  reload();
  return { el, reload };
}

function deviceItem(d, act) {
  const about = [d.platform, d.last_address, t("settings.last_seen", { when: formatRelative(d.last_seen_at || d.created_at) })];
  const status = d.status === "active" ? null
    : h("span", { class: `tag device-${d.status}`, "data-testid": "device-status" }, t(`devices.status_${d.status}`));
  return h("li", { class: "device", "data-device-id": d.id, "data-status": d.status },
    h("div", { class: "grow" },
      h("div", { class: "strong" }, d.name || t("settings.unnamed_device"),
        d.current ? h("span", { class: "tag" }, t("settings.this_device")) : null, status),
      h("div", { class: "dim" }, about.filter(Boolean).join(" · ")),
      d.wipe_requested_at ? h("div", { class: "dim", "data-testid": "wipe-requested-at" },
        t("devices.wipe_requested_at", { when: formatDateTime(d.wipe_requested_at) })) : null,
      d.wiped_at ? h("div", { class: "dim", "data-testid": "wiped-at" },
        t("devices.wiped_at", { when: formatDateTime(d.wiped_at) })) : null),
    d.status === "active" ? h("div", { class: "row device-actions" },
      h("button", { class: "btn small", "data-testid": "revoke-device", onclick: () => act("revoke", d) }, t("settings.revoke")),
      h("button", { class: "btn small danger", "data-testid": "wipe-device", onclick: () => act("wipe", d) }, t("devices.wipe"))) : null);
}
