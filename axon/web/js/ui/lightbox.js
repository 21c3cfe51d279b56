// The lightbox: one image of the conversation at a time, the original (not the thumbnail), with
// zoom, previous/next across the conversation's images (as loaded), download, and the keyboard:
// ← → to move, + − 0 to zoom, Esc to close (a modal <dialog>: focus stays in it and returns after).

import { t } from "../core/i18n.js";
import { state } from "../core/store.js";
import { downloadUrl, fileUrls } from "../core/files.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";
import { fitInto } from "./attachments.js";
import { userName } from "./names.js";

const ZOOMS = [1, 1.5, 2, 3, 4];

/** The conversation's images in timeline order (messages and thread replies loaded so far). */
export function conversationImages(convId) {
  const tl = state.timelines.get(convId);
  if (!tl) return [];
  const messages = [...tl.messages.values()].filter((m) => !m.deleted).sort((a, b) => a.seq - b.seq);
  return messages.flatMap((m) => (m.attachments || []).filter((a) => a.kind === "image")
    .map((a) => ({ ...a, sender_id: m.sender_id, created_at: m.created_at })));
}

/** Opens `fileId`; `images` (FileInfo-like, in order) defaults to the conversation's images. */
export function openLightbox(convId, fileId, images = null) {
  let list = images || conversationImages(convId);
  if (!list.some((a) => a.id === fileId)) list = list.concat(conversationImages(convId).filter((a) => a.id === fileId));
  if (!list.length) return;
  let index = Math.max(0, list.findIndex((a) => a.id === fileId));
  let zoom = 0;
  const opener = document.activeElement;

  const img = h("img", { class: "lightbox-img", alt: "", "data-testid": "lightbox-image" });
  const stage = h("div", { class: "lightbox-stage" }, img);
  const counter = h("span", { class: "lightbox-count", "data-testid": "lightbox-count" });
  const name = h("span", { class: "lightbox-name", "data-testid": "lightbox-name" });
  const who = h("span", { class: "dim lightbox-who" });
  const download = h("a", { class: "icon-btn", "data-testid": "lightbox-download", title: t("files.download"), "aria-label": t("files.download") }, icon("download"));
  const button = (label, glyph, run, testid, cls = "icon-btn") => h("button", {
    type: "button", class: cls, title: label, "aria-label": label, "data-testid": testid, onclick: run,
  }, icon(glyph));
  const prev = button(t("files.previous"), "left", () => move(-1), "lightbox-prev", "icon-btn lightbox-nav prev");
  const next = button(t("files.next"), "right", () => move(1), "lightbox-next", "icon-btn lightbox-nav next");
  const zoomOut = button(t("files.zoom_out"), "zoomOut", () => setZoom(zoom - 1), "lightbox-zoom-out");
  const zoomIn = button(t("files.zoom_in"), "zoomIn", () => setZoom(zoom + 1), "lightbox-zoom-in");
  const dialog = h("dialog", { class: "lightbox", "data-testid": "lightbox", "aria-label": t("files.viewer") },
    h("header", { class: "lightbox-bar" },
      h("div", { class: "lightbox-title" }, name, h("span", { class: "lightbox-sub" }, counter, who)),
      zoomOut, zoomIn, download, button(t("action.close"), "close", () => dialog.close(), "lightbox-close")),
    stage, prev, next);

  function show() {
    const a = list[index];
    zoom = 0;
    name.textContent = a.name;
    counter.textContent = list.length > 1 ? t("files.position", { n: index + 1, total: list.length }) : "";
    who.textContent = a.sender_id ? userName(a.sender_id) : "";
    const focused = document.activeElement;
    prev.disabled = index === 0;
    next.disabled = index === list.length - 1;
    if (focused && focused.disabled) (focused === next ? prev : next).focus();
    dialog.dataset.fileId = a.id;
    img.alt = a.name;
    img.removeAttribute("src");
    download.removeAttribute("href");
    download.setAttribute("download", a.name);
    layout();
    fileUrls(a.id).then((u) => {
      if (!u || list[index] !== a) return;
      img.src = u.content;
      download.href = downloadUrl(u.content);
    });
  }

  /** The picture's size: fitted into the stage, times the zoom (the stage scrolls when it is larger). */
  function layout() {
    const a = list[index];
    const box = { w: Math.max(100, stage.clientWidth - 32), h: Math.max(100, stage.clientHeight - 32) };
    const base = a.width && a.height ? fitInto(a.width, a.height, box) : { w: box.w, h: box.h };
    img.width = Math.round(base.w * ZOOMS[zoom]);
    img.height = Math.round(base.h * ZOOMS[zoom]);
    stage.classList.toggle("zoomed", zoom > 0);
    zoomOut.disabled = zoom === 0;
    zoomIn.disabled = zoom === ZOOMS.length - 1;
    dialog.dataset.zoom = String(ZOOMS[zoom]);
  }

  function setZoom(z) {
    zoom = Math.max(0, Math.min(ZOOMS.length - 1, z));
    layout();
  }

  function move(step) {
    const to = index + step;
    if (to < 0 || to >= list.length) return;
    index = to;
    show();
  }

  // On the document, not the dialog: a button that just became disabled (the last image) drops the focus.
  const onKey = (ev) => {
    const keys = { ArrowLeft: () => move(-1), ArrowRight: () => move(1), "+": () => setZoom(zoom + 1), "=": () => setZoom(zoom + 1),
      "-": () => setZoom(zoom - 1), 0: () => setZoom(0) };
    if (keys[ev.key] && !ev.altKey && !ev.ctrlKey && !ev.metaKey) {
      ev.preventDefault();
      keys[ev.key]();
    }
  };
  document.addEventListener("keydown", onKey);
  img.addEventListener("click", () => setZoom(zoom ? 0 : 2));
  stage.addEventListener("click", (ev) => { if (ev.target === stage) dialog.close(); });
  const resized = () => layout();
  window.addEventListener("resize", resized);
  dialog.addEventListener("close", () => {
    window.removeEventListener("resize", resized);
    document.removeEventListener("keydown", onKey);
    dialog.remove();
    if (opener && opener.isConnected && opener !== document.body) opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  show();
  next.disabled ? zoomIn.focus() : next.focus();
}
