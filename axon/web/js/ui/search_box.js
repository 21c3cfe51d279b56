// The search box at the top of the sidebar (focus: "/" or Ctrl/Cmd+Shift+F; Ctrl+K stays the
// quick switcher). Focused empty it lists recent searches (with "Clear"); typing suggests people,
// channels and matching recent searches (GET /search/suggest); Enter runs the search: the results
// page #/search?q=… (ui/search_view.js), recorded as a recent search.

import { errorText, t } from "../core/i18n.js";
import { clearRecent, freeText, recentSearches, suggest } from "../core/search.js";
import { emit, state } from "../core/store.js";
import { h, debounce } from "./dom.js";
import { icon } from "./icons.js";
import { avatarWithPresence } from "./avatar.js";
import { userName } from "./names.js";
import { toast } from "./dialogs.js";
import { go, searchHref } from "./router.js";
import { openDirect, join } from "./create.js";

let box = null; // the mounted box's input, for the shortcuts

/** Focus the search box (shortcuts.js); false when there is none on screen. */
export function focusSearchBox() {
  if (!box || !box.isConnected || !box.offsetParent) return false;
  box.focus();
  box.select();
  return true;
}

/** Run a search: the results page, recording it among the recent searches. */
export function runSearch(q, sort = "relevance") {
  const text = q.trim();
  if (!text) return;
  sessionStorage.setItem("axon.search.record", text);
  const target = searchHref(text, sort);
  if (location.hash === target) emit("search-again"); // the same search again: fresh results
  else location.hash = target;
}

export function mountSearchBox(el) {
  const listId = "search-suggestions";
  const input = h("input", {
    type: "search", class: "search-input", placeholder: t("search.placeholder"), autocomplete: "off", maxlength: 500,
    role: "combobox", "aria-expanded": "false", "aria-controls": listId, "aria-autocomplete": "list",
    "aria-label": t("search.label"), "data-testid": "search-input", enterkeyhint: "search",
  });
  const list = h("ul", { class: "result-list search-suggest", id: listId, role: "listbox", hidden: true,
    "aria-label": t("search.suggestions"), "data-testid": "search-suggestions" });
  const form = h("form", { class: "search-box", role: "search", "data-testid": "search-box" },
    h("span", { class: "search-icon", "aria-hidden": "true" }, icon("search", 16)), input, list);
  // On a phone the box is a button that opens the results page, where the query is typed.
  const phone = h("a", { class: "icon-btn search-phone", href: "#/search", title: t("search.label"),
    "aria-label": t("search.label"), "data-testid": "search-open" }, icon("search"));
  el.append(form, phone);
  box = input;

  let items = [];
  let active = -1;
  let latest = 0;
  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  };
  const draw = (extra = null) => {
    list.replaceChildren(...items.map((item, i) => h("li", {
      id: `search-opt-${i}`, class: ["result", i === active && "active"], role: "option",
      "aria-selected": i === active ? "true" : "false", "data-testid": "search-suggestion", "data-kind": item.kind,
      onmousedown: (ev) => { ev.preventDefault(); pick(item); },
    }, item.icon, h("span", { class: "grow" }, item.label), item.hint ? h("span", { class: "dim" }, item.hint) : null)));
    if (extra) list.append(extra);
    const show = items.length > 0 || Boolean(extra);
    list.hidden = !show;
    input.setAttribute("aria-expanded", String(show));
    if (active >= 0) input.setAttribute("aria-activedescendant", `search-opt-${active}`);
    else input.removeAttribute("aria-activedescendant");
  };
  const pick = (item) => {
    close();
    item.run();
  };
  const recentItem = (q) => ({ kind: "recent", label: q, hint: t("search.recent"),
    icon: h("span", { class: "conv-icon" }, icon("clock", 15)), run: () => { input.value = q; runSearch(q); } });

  const refresh = async () => {
    const ticket = ++latest;
    const q = input.value.trim();
    active = -1;
    try {
      if (!q) {
        const recent = await recentSearches();
        if (ticket !== latest || document.activeElement !== input) return;
        items = recent.slice(0, 8).map(recentItem);
        const clearBtn = recent.length ? h("li", { role: "none", class: "search-suggest-foot" }, h("button", {
          type: "button", class: "link", "data-testid": "search-recent-clear",
          onmousedown: (ev) => ev.preventDefault(),
          onclick: () => clearRecent().then(() => { items = []; close(); }).catch((err) => toast(errorText(err), "error")),
        }, t("search.clear_recent"))) : null;
        draw(clearBtn);
        return;
      }
      const words = freeText(q);
      if (!words) {
        items = [];
        close();
        return;
      }
      const data = await suggest(words);
      if (ticket !== latest) return;
      for (const u of data.people || []) state.users.set(u.id, u);
      items = [
        ...(data.recent || []).map(recentItem),
        ...(data.people || []).filter((u) => !u.disabled).map((u) => ({
          kind: "person", label: userName(u.id), hint: `@${u.username}`, icon: avatarWithPresence(u.id, "xs"),
          run: () => openDirect(u.id),
        })),
        ...(data.channels || []).map((c) => ({
          kind: "channel", label: `# ${c.name}`, hint: state.conversations.has(c.id) ? "" : t("switcher.join"),
          icon: h("span", { class: "conv-icon" }, icon("hash", 15)),
          run: () => (state.conversations.has(c.id) ? go("c", c.id) : join(c)),
        })),
      ];
      if (document.activeElement === input) draw();
    } catch {
      if (ticket === latest) close(); // suggestions are a help: the search itself still runs
    }
  };
  const refreshSoon = debounce(refresh, 150);
  input.addEventListener("focus", refresh);
  input.addEventListener("input", refreshSoon);
  input.addEventListener("blur", () => { latest += 1; close(); });
  input.addEventListener("keydown", (ev) => {
    if (ev.isComposing) return;
    if ((ev.key === "ArrowDown" || ev.key === "ArrowUp") && items.length) {
      ev.preventDefault();
      active = ev.key === "ArrowDown" ? (active + 1) % items.length : (active <= 0 ? items.length - 1 : active - 1);
      draw(list.querySelector(".search-suggest-foot"));
    } else if (ev.key === "Escape") {
      if (!list.hidden) {
        ev.preventDefault();
        close();
      } else {
        input.blur();
      }
    }
  });
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (active >= 0 && items[active] && !list.hidden) {
      pick(items[active]);
      return;
    }
    latest += 1; // suggestions still on their way are not shown over the results
    close();
    input.blur();
    runSearch(input.value);
  });
  return () => {
    latest += 1;
    if (box === input) box = null;
  };
}
