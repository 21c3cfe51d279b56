// The search results page (#/search?q=…&sort=date): the query, its filter controls, matching
// channels, then the messages — grouped by conversation (best match first) or newest first — each
// with sender, time, conversation, a thread badge for replies and the snippet's fragments, the
// matched words in <mark> (built as text nodes: server text is never parsed as HTML). Results
// found by meaning rather than by words are labelled. "Load more" pages on (and scrolling does).
// Pressing a result opens its conversation at that message (ui/timeline.js focusMessage).

import { errorText, formatDateTime, t } from "../core/i18n.js";
import { HAS, filtersOf, search, withFilter } from "../core/search.js";
import { ensureUsers, loadDirectory } from "../core/history.js";
import { on, state } from "../core/store.js";
import { h, clear } from "./dom.js";
import { icon } from "./icons.js";
import { avatar } from "./avatar.js";
import { conversationTitle, userName } from "./names.js";
import { convHref, go, searchHref } from "./router.js";
import { focusMessage } from "./timeline.js";
import { join } from "./create.js";
import { api } from "../core/engine.js";
import { seg } from "../core/api.js";
import { confirmAction, toastError } from "./dialogs.js";

export function mountSearchView(el) {
  const input = h("input", {
    type: "search", class: "search-page-input", maxlength: 500, autocomplete: "off", enterkeyhint: "search",
    placeholder: t("search.placeholder"), "aria-label": t("search.label"), "data-testid": "search-page-input",
  });
  const form = h("form", { class: "search-page-form", role: "search" }, input,
    h("button", { type: "submit", class: "btn primary", "data-testid": "search-submit" }, t("search.run")));
  const controls = h("div", { class: "search-filters", role: "group", "aria-label": t("search.filters"), "data-testid": "search-filters" });
  const status = h("div", { class: "search-status", role: "status", "aria-live": "polite", "data-testid": "search-status" });
  const channels = h("section", { class: "search-channels", hidden: true, "data-testid": "search-channels",
    "aria-label": t("search.channels") });
  const results = h("div", { class: "search-results", "data-testid": "search-results" });
  const more = h("button", { type: "button", class: "btn", hidden: true, "data-testid": "search-more" }, t("admin.load_more"));
  el.append(h("section", { class: "search-page", "data-testid": "search-page" },
    h("header", { class: "conv-header search-head" },
      h("a", { class: "icon-btn back", href: "#/", title: t("conv.back"), "aria-label": t("conv.back") }, icon("back", 22)),
      h("h2", null, t("search.title"))),
    h("div", { class: "search-scroll" }, form, controls, status, channels, results, h("div", { class: "load-more" }, more))));

  let route = state.route;
  let cursor = null;
  let hits = [];
  let latest = 0;

  const setQuery = (q, sort = route.sort, record = false) => {
    if (record) sessionStorage.setItem("axon.search.record", q.trim());
    const target = searchHref(q.trim(), sort);
    if (location.hash === target) run(false);
    else location.hash = target;
  };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    setQuery(input.value, route.sort, true);
  });

  let controlsKey = null;
  const drawControls = () => {
    const q = route.q;
    // Redrawn only when something shown changed (live events come often), keeping the focused control.
    const key = JSON.stringify([q, route.sort, [...state.conversations.values()].map((c) => [c.id, conversationTitle(c)]),
      state.users.size]);
    if (key === controlsKey) return;
    controlsKey = key;
    const focused = controls.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
    const f = filtersOf(q);
    const chip = (testid, label, pressed, next) => h("button", {
      type: "button", class: ["search-chip", pressed && "on"], "aria-pressed": String(pressed), "data-testid": testid,
      onclick: () => setQuery(next()),
    }, label);
    const convOptions = [...state.conversations.values()]
      .map((c) => ({ value: inValue(c), label: conversationTitle(c) }))
      .filter((o) => o.value)
      .sort((a, b) => a.label.localeCompare(b.label));
    if (f.in && !convOptions.some((o) => o.value === f.in)) convOptions.unshift({ value: f.in, label: f.in });
    const people = [...state.users.values()].filter((u) => !u.disabled)
      .map((u) => ({ value: u.username, label: `${userName(u.id)} (@${u.username})` }))
      .sort((a, b) => a.label.localeCompare(b.label));
    if (f.from && !people.some((p) => p.value === f.from)) people.unshift({ value: f.from, label: `@${f.from}` });
    const select = (testid, label, value, options, key, anyLabel) => h("label", { class: "search-filter" },
      h("span", null, label),
      h("select", { "data-testid": testid, onchange: (ev) => setQuery(withFilter(q, key, ev.target.value)) },
        h("option", { value: "" }, anyLabel),
        options.map((o) => h("option", { value: o.value, selected: o.value === value }, o.label))));
    const date = (testid, label, value, key) => h("label", { class: "search-filter" },
      h("span", null, label),
      h("input", { type: "date", value, "data-testid": testid, onchange: (ev) => setQuery(withFilter(q, key, ev.target.value)) }));
    const sort = (value, label) => h("button", {
      type: "button", class: ["search-seg", route.sort === value && "on"], "aria-pressed": String(route.sort === value),
      "data-testid": `search-sort-${value}`, onclick: () => setQuery(q, value),
    }, label);
    controls.replaceChildren(
      h("div", { class: "row" },
        select("search-in", t("search.in"), f.in, convOptions, "in", t("search.anywhere")),
        select("search-from", t("search.from"), f.from, people, "from", t("search.anyone")),
        date("search-after", t("search.after"), f.after, "after"),
        date("search-before", t("search.before"), f.before, "before")),
      h("div", { class: "row" },
        HAS.map((kind) => chip(`search-has-${kind}`, t(`search.has_${kind}`), f.has.has(kind), () => withFilter(q, "has", kind, !f.has.has(kind)))),
        chip("search-is-thread", t("search.in_threads"), f.thread, () => withFilter(q, "is", "thread", !f.thread)),
        chip("search-mentions-me", t("search.mentions_me"), f.mentions, () => withFilter(q, "mentions", "me", !f.mentions)),
        h("span", { class: "grow" }),
        h("div", { class: "search-segmented", role: "group", "aria-label": t("search.order") },
          sort("relevance", t("search.by_conversation")), sort("date", t("search.by_date")))));
    if (focused) controls.querySelector(`[data-testid="${focused}"]`)?.focus();
  };

  const drawResults = (semantic) => {
    clear(results);
    if (route.sort === "date") {
      results.append(h("ol", { class: "search-list" }, hits.map((hit) => renderHit(hit, true))));
      return;
    }
    // Grouped by conversation, the groups in the order of their best result.
    const groups = new Map();
    for (const hit of hits) {
      if (!groups.has(hit.conversation_id)) groups.set(hit.conversation_id, []);
      groups.get(hit.conversation_id).push(hit);
    }
    for (const [conv, list] of groups) {
      const title = convTitle(conv);
      results.append(h("section", { class: "search-group", "data-testid": "search-group", "data-conv-id": conv },
        h("h3", { class: "search-group-title" }, title),
        h("ol", { class: "search-list" }, list.map((hit) => renderHit(hit, false)))));
    }
    results.dataset.semantic = String(Boolean(semantic));
  };

  const run = async (append) => {
    const ticket = ++latest;
    const q = route.q;
    if (!append) {
      cursor = null;
      hits = [];
      more.hidden = true;
    }
    if (!q) {
      clear(results);
      channels.hidden = true;
      status.replaceChildren(h("p", { class: "dim" }, t("search.hint")));
      return;
    }
    const record = !append && sessionStorage.getItem("axon.search.record") === q;
    if (record) sessionStorage.removeItem("axon.search.record");
    if (!append) status.replaceChildren(h("p", { class: "dim" }, t("timeline.loading")));
    try {
      const page = await search(q, { sort: route.sort, cursor: append ? cursor : null, record });
      const items = page.items || [];
      await ensureUsers(items.map((hit) => hit.message && hit.message.sender_id));
      if (ticket !== latest) return;
      hits = hits.concat(items);
      cursor = page.next_cursor || null;
      more.hidden = !cursor;
      if (!append) drawChannels(channels, page.channels || []);
      drawResults(page.semantic);
      status.replaceChildren(summaryLine(hits.length, Boolean(cursor), Boolean(page.semantic)));
      if (!hits.length) {
        results.append(h("div", { class: "empty-state search-empty", "data-testid": "search-empty" },
          h("p", null, t("search.none", { q })), h("p", { class: "dim" }, t("search.none_hint"))));
      }
    } catch (err) {
      if (ticket !== latest) return;
      clear(results);
      channels.hidden = true;
      status.replaceChildren(h("div", { class: "search-error", role: "alert", "data-testid": "search-error" },
        h("p", null, t("search.failed")), h("p", { class: "dim" }, errorText(err)),
        h("button", { type: "button", class: "btn", onclick: () => run(false) }, t("search.retry"))));
    }
  };
  more.addEventListener("click", () => run(true));
  const seen = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting) && !more.hidden) run(true);
  });
  seen.observe(more);

  const show = () => {
    route = state.route;
    if (document.activeElement !== input || !input.value) input.value = route.q;
    drawControls();
    run(false);
  };
  show();
  // After the layout has shown the main view (on a phone it is hidden until the route is applied).
  if (!route.q) queueMicrotask(() => input.focus());
  // People for the "from" picker: the directory, once.
  if (state.users.size < 2) loadDirectory().then(drawControls).catch(() => {});
  const stops = [
    on("route", () => state.route.name === "search" && (state.route.q !== route.q || state.route.sort !== route.sort) && show()),
    on("conversations", drawControls),
    on("search-again", () => run(false)),
  ];
  return () => {
    latest += 1;
    seen.disconnect();
    stops.forEach((stop) => stop());
  };
}

/** How a conversation is named in `in:` (channels and groups by name, direct messages by the peer's username). */
function inValue(c) {
  if (c.kind === "direct") {
    const peer = state.users.get(c.peer_id);
    return peer ? `@${peer.username}` : "";
  }
  if (!c.name) return "";
  return /\s/u.test(c.name) ? `"#${c.name}"` : `#${c.name}`;
}

function convTitle(convId) {
  const c = state.conversations.get(convId);
  return c ? `${c.kind === "channel" ? "# " : ""}${conversationTitle(c)}` : t("search.conversation");
}

function summaryLine(count, hasMore, semantic) {
  const mode = h("span", {
    class: "search-mode", tabindex: "0", "data-testid": "search-mode",
    title: semantic ? t("search.mode_hybrid_tip") : t("search.mode_keyword_tip"),
    "aria-label": semantic ? t("search.mode_hybrid_tip") : t("search.mode_keyword_tip"),
  }, icon("search", 14), semantic ? t("search.mode_hybrid") : t("search.mode_keyword"));
  return h("p", { class: "search-count", "data-testid": "search-count" },
    hasMore ? t("search.count_more", { n: count }) : t("search.count", { n: count }), " · ", mode);
}

function drawChannels(el, list) {
  el.hidden = list.length === 0;
  el.replaceChildren(h("h3", { class: "search-group-title" }, t("search.channels")),
    h("ul", { class: "search-channel-list" }, list.map((c) => h("li", null, h("button", {
      type: "button", class: "search-channel", "data-testid": "search-channel", "data-conv-id": c.id,
      onclick: () => (state.conversations.has(c.id) ? go("c", c.id) : join(c)),
    }, icon("hash", 15), h("span", null, c.name), c.topic ? h("span", { class: "dim" }, c.topic) : null)))));
}

/** Offer to join the public channel a result is in; true once joined (the channel is then in the sidebar). */
async function joinToOpen(convId) {
  let channel;
  try {
    channel = await api.get(`/conversations/${seg(convId)}`);
  } catch (err) {
    toastError(err);
    return false;
  }
  if (!(await confirmAction(t("search.join_to_open", { name: channel.name })))) return false;
  return join(channel, () => {}, { open: false });
}

/**
 * Open a conversation (or, for a reply, its thread) at one message, highlighted: what pressing a
 * search result does, and an @axon answer's items too (assistant_results.js).
 */
export async function openAtMessage(conv, messageId, root = null, seq = null) {
  // A public channel the searcher is not in (found with in:#channel): joining is theirs to choose.
  if (!state.conversations.has(conv) && !(await joinToOpen(conv))) return;
  focusMessage(conv, messageId, root, seq);
  if (root) location.hash = convHref(conv, "thread", root);
  else go("c", conv);
}

/** One result: a button that opens the conversation (or the thread) at the message. */
export function renderHit(hit, showConversation) {
  const m = hit.message || {};
  const conv = hit.conversation_id || m.conversation_id;
  const root = hit.thread_root_id || m.reply_to || null;
  const fragments = (hit.fragments && hit.fragments.length ? hit.fragments : [{ text: m.text || "", match: false }])
    .map((f) => (f.match ? h("mark", null, f.text) : f.text));
  return h("li", { class: "search-hit-item" }, h("button", {
    type: "button", class: "search-hit", "data-testid": "search-hit", "data-message-id": m.id, "data-conv-id": conv,
    "data-match": hit.match || "keyword", onclick: () => openAtMessage(conv, m.id, root, m.seq ?? null),
  },
  avatar(m.sender_id, "sm"),
  h("span", { class: "search-hit-main" },
    h("span", { class: "search-hit-head" },
      h("span", { class: "msg-author" }, userName(m.sender_id)),
      showConversation ? h("span", { class: "dim search-hit-conv" }, convTitle(conv)) : null,
      h("time", { class: "dim", datetime: m.created_at }, formatDateTime(m.created_at)),
      root ? h("span", { class: "tag", "data-testid": "search-thread-badge" }, t("search.thread_reply")) : null,
      hit.match === "semantic" ? h("span", {
        class: "tag semantic", "data-testid": "search-semantic", title: t("search.semantic_tip"),
      }, t("search.semantic")) : null),
    h("span", { class: "search-snippet", "data-testid": "search-snippet" }, fragments))));
}
