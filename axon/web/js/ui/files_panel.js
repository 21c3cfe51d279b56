// The conversation's Files tab (side panel, #/c/<conv>/files): every file shared there, newest
// first (GET /conversations/{id}/files), filtered by type and by sender, searched by name, paged
// ("Load more", and automatically when it scrolls into view). An image opens the lightbox (over the
// list's images); anything else shows its message in the conversation; each row can be downloaded.

import { api } from "../core/engine.js";
import { clampQuery, seg } from "../core/api.js";
import { errorText, formatDateTime, t } from "../core/i18n.js";
import { ensureUsers, loadMembers } from "../core/history.js";
import { on, state } from "../core/store.js";
import { downloadUrl } from "../core/files.js";
import { h, clear, debounce } from "./dom.js";
import { icon } from "./icons.js";
import { toast } from "./dialogs.js";
import { userName } from "./names.js";
import { convHref } from "./router.js";
import { focusMessage } from "./timeline.js";
import { openLightbox } from "./lightbox.js";
import { formatBytes, formatDuration, showUrl, typeLabel } from "./attachments.js";

const PAGE = 30;
const KINDS = ["", "image", "video", "audio", "voice", "pdf", "file"];
const KIND_ICONS = { image: "image", video: "film", audio: "music", voice: "mic", pdf: "file", file: "file" };

export function mountFilesPanel(el, conv) {
  const kind = h("select", { "data-testid": "files-kind", "aria-label": t("files.filter_kind") },
    KINDS.map((k) => h("option", { value: k }, k ? t(`files.kinds_${k}`) : t("files.all_kinds"))));
  const sender = h("select", { "data-testid": "files-sender", "aria-label": t("files.filter_sender") },
    h("option", { value: "" }, t("files.all_senders")));
  const search = h("input", { type: "search", maxlength: 100, placeholder: t("files.search"), "aria-label": t("files.search"), "data-testid": "files-search" });
  const list = h("ul", { class: "files-list", "data-testid": "files-list" });
  const empty = h("p", { class: "dim files-empty", hidden: true, "data-testid": "files-empty" }, t("files.none"));
  const more = h("button", { type: "button", class: "btn", hidden: true, "data-testid": "files-more" }, t("admin.load_more"));
  el.append(h("div", { class: "files-filters" }, search, h("div", { class: "row" }, kind, sender)), list, empty, h("div", { class: "load-more" }, more));

  let next = null;
  let shown = []; // the FileInfo listed, in order (the lightbox moves through its images)
  let latest = 0; // only the newest request may draw
  const load = async (append) => {
    const ticket = ++latest;
    try {
      const page = await api.get(`/conversations/${seg(conv)}/files`, {
        kind: kind.value, sender: sender.value, q: clampQuery(search.value), before: append ? next : null, limit: PAGE,
      });
      const items = page.items || [];
      await ensureUsers(items.map((f) => f.uploader_id));
      if (ticket !== latest) return;
      if (!append) {
        clear(list);
        shown = [];
      }
      shown.push(...items);
      list.append(...items.map((f) => fileRow(conv, f, () => shown)));
      next = page.next || null;
      more.hidden = !next;
      empty.hidden = shown.length > 0;
    } catch (err) {
      if (ticket === latest) toast(errorText(err), "error");
    }
  };
  const reload = () => load(false);
  const reloadSoon = debounce(reload, 250);
  kind.addEventListener("change", reload);
  sender.addEventListener("change", reload);
  search.addEventListener("input", () => {
    latest += 1;
    more.hidden = true;
    reloadSoon();
  });
  more.addEventListener("click", () => load(true));
  // Scrolling to the end loads the next page by itself.
  const seen = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting) && !more.hidden) load(true);
  });
  seen.observe(more);

  const fillSenders = () => {
    const members = state.members.get(conv);
    if (!members) return;
    const chosen = sender.value;
    const people = [...members.keys()].sort((a, b) => userName(a).localeCompare(userName(b)));
    sender.replaceChildren(h("option", { value: "" }, t("files.all_senders")),
      ...people.map((id) => h("option", { value: id, selected: id === chosen }, userName(id))));
  };
  loadMembers(conv).then(fillSenders).catch(() => {});
  fillSenders();
  reload();
  // A new message may bring files: the first page is read again (filters kept).
  const stops = [on("timeline", (id) => id === conv && !next && reloadSoon()), on("members", (id) => id === conv && fillSenders())];
  return () => {
    latest += 1;
    seen.disconnect();
    stops.forEach((stop) => stop());
  };
}

function fileRow(conv, f, listed) {
  const thumb = f.thumbnail && (f.kind === "image" || f.kind === "pdf" || f.kind === "video")
    ? h("img", { class: "files-thumb", alt: "", width: 48, height: 48, loading: "lazy" }) : null;
  if (thumb) showUrl(thumb, "src", f.id, (u) => u.thumbnail || u.content);
  const open = () => {
    if (f.kind === "image") {
      const images = listed().filter((x) => x.kind === "image").map((x) => ({ ...x, sender_id: x.uploader_id }));
      openLightbox(conv, f.id, images);
    } else {
      showMessage(conv, f);
    }
  };
  const download = h("a", { class: "icon-btn small", download: f.name, "data-testid": "files-download",
    title: t("files.download"), "aria-label": t("files.download_name", { name: f.name }) }, icon("download", 16));
  showUrl(download, "href", f.id, (u) => downloadUrl(u.content));
  const meta = [userName(f.uploader_id), formatDateTime(f.created_at), formatBytes(f.size),
    f.duration_ms ? formatDuration(f.duration_ms) : typeLabel(f)].join(" · ");
  return h("li", { class: "files-row", "data-testid": "files-row", "data-file-id": f.id, "data-kind": f.kind },
    h("button", { type: "button", class: "files-open", "data-testid": "files-open", onclick: open },
      thumb || h("span", { class: ["files-thumb", "icon", `kind-${f.kind}`] }, icon(KIND_ICONS[f.kind] || "file", 22)),
      h("span", { class: "files-text" }, h("span", { class: "files-name", "data-testid": "files-name" }, f.name),
        h("span", { class: "dim files-meta" }, meta))),
    f.kind === "image" && f.message_id ? h("button", {
      type: "button", class: "icon-btn small", "data-testid": "files-jump", title: t("files.show_message"),
      "aria-label": t("files.show_message"), onclick: () => showMessage(conv, f),
    }, icon("reply", 16)) : null,
    download);
}

/** Shows the file's message: in the conversation, or in its thread for a reply. */
async function showMessage(conv, f) {
  if (!f.message_id) return;
  let root = null;
  try {
    root = (await api.get(`/conversations/${seg(conv)}/messages/${seg(f.message_id)}`)).reply_to || null;
  } catch (err) {
    toast(errorText(err), "error");
    return;
  }
  focusMessage(conv, f.message_id, root);
  if (root) location.hash = convHref(conv, "thread", root);
  else if (matchMedia("(max-width: 700px)").matches) location.hash = convHref(conv); // the panel covers the conversation
}
