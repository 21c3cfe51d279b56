// What the main area shows when no conversation is open.

import { t } from "../core/i18n.js";
import { h } from "./dom.js";
import { openSwitcher } from "./switcher.js";
import { openNewConversation, openBrowseChannels } from "./create.js";

export function mountHome(el) {
  el.append(h("div", { class: "empty-state", "data-testid": "home" },
    h("h2", null, t("home.title")),
    h("p", null, t("home.hint")),
    h("div", { class: "row" },
      h("button", { class: "btn", onclick: () => openSwitcher() }, t("home.find")),
      h("button", { class: "btn", onclick: () => openNewConversation() }, t("home.new")),
      h("button", { class: "btn", onclick: () => openBrowseChannels() }, t("home.browse")))));
  return () => {};
}
