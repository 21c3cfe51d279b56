// Settings › Calendar: the private subscription URL of my calendar (an .ics feed that calendar
// apps can subscribe to). Shown, copied, regenerated (the old URL stops working) or revoked, with a
// warning that anyone who has the URL can read the calendar.

import { t } from "../core/i18n.js";
import { feed } from "../core/calendar.js";
import { errorText, formatDateTime } from "../core/i18n.js";
import { h } from "./dom.js";
import { confirmAction, toast, toastError } from "./dialogs.js";

export function calendarFeedSection() {
  const body = h("div", { class: "stack", "data-testid": "calendar-feed" });
  const draw = (state) => {
    const url = state && state.url ? absolute(state.url) : null;
    const field = url ? h("input", { type: "text", readonly: true, value: url, "data-testid": "feed-url", "aria-label": t("calendar.feed_url") }) : null;
    body.replaceChildren(
      h("p", { class: "dim" }, t("calendar.feed_about")),
      h("p", { class: "warning", role: "note" }, t("calendar.feed_warning")),
      url ? field : h("p", { "data-testid": "feed-none" }, t("calendar.feed_none")),
      url && state.created_at ? h("p", { class: "dim" }, t("calendar.feed_created", { when: formatDateTime(state.created_at) })) : null,
      h("div", { class: "row wrap" },
        url ? h("button", { type: "button", class: "btn small", "data-testid": "feed-copy", onclick: () => copy(url) }, t("calendar.copy_url")) : null,
        h("button", { type: "button", class: "btn small", "data-testid": "feed-new", onclick: renew },
          url ? t("calendar.feed_regenerate") : t("calendar.feed_create")),
        url ? h("button", { type: "button", class: "btn small danger", "data-testid": "feed-revoke", onclick: revoke }, t("calendar.feed_revoke")) : null));
  };
  const renew = async () => {
    if (body.querySelector("[data-testid=feed-url]") && !(await confirmAction(t("calendar.feed_regenerate_confirm")))) return;
    try {
      draw(await feed.renew());
      toast(t("calendar.feed_made"));
    } catch (err) {
      toastError(err);
    }
  };
  const revoke = async () => {
    if (!(await confirmAction(t("calendar.feed_revoke_confirm")))) return;
    try {
      await feed.revoke();
      draw(null);
      toast(t("calendar.feed_revoked"));
    } catch (err) {
      toastError(err);
    }
  };
  // Said in the section, not in a toast: Settings opens for many other reasons.
  feed.get().then(draw).catch((err) => body.replaceChildren(h("p", { class: "dim", "data-testid": "feed-failed" },
    t("calendar.feed_failed"), " ", errorText(err))));
  return h("section", { class: "card", "data-testid": "settings-calendar" }, h("h3", null, t("calendar.settings_title")), body);
}

/** The server may answer a path or a full URL; calendar apps need the full one. */
function absolute(url) {
  return new URL(url, location.origin).href;
}

async function copy(url) {
  try {
    await navigator.clipboard.writeText(url);
    toast(t("calendar.copied"));
  } catch (err) {
    toast(err.message, "error");
  }
}
