// A message's attachments in the timeline (docs/web.md "Files"): images inline in a box of their
// real aspect ratio (sized from the attachment before anything loads, so nothing jumps), video and
// audio players, voice messages (ui/voice.js), PDFs with their first page, and a card for anything
// else. URLs are the short-lived signed ones of core/files.js (an <img> cannot send the token).

import { t, language } from "../core/i18n.js";
import { downloadUrl, fileUrls } from "../core/files.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";
import { openLightbox } from "./lightbox.js";
import { voicePlayer } from "./voice.js";

const IMAGE_MAX = { w: 360, h: 300 };
const VIDEO_MAX = { w: 420, h: 300 };
const KIND_ICONS = { image: "image", video: "film", audio: "music", voice: "mic", pdf: "file", file: "file" };

/** What of a message's attachments the row depends on (for the timeline's keyed update). */
export function attachmentsSignature(m) {
  return (m.attachments || []).map((a) => a.id).join(",");
}

/** The attachments of a message, or null when it has none. */
export function renderAttachments(m) {
  const list = m.deleted ? [] : m.attachments || [];
  if (!list.length) return null;
  return h("div", { class: "attachments", "data-testid": "attachments" }, list.map((a) => renderAttachment(m, a)));
}

function renderAttachment(m, a) {
  if (a.kind === "image" && a.width && a.height) return imageTile(m, a);
  if (a.kind === "video") return videoTile(a);
  if (a.kind === "audio") return audioTile(a);
  if (a.kind === "voice") return voicePlayer(m, a);
  return fileCard(a);
}

/** The display size of a w×h picture that fits in `max` (never enlarged). */
export function fitInto(w, hgt, max) {
  const scale = Math.min(1, max.w / w, max.h / hgt);
  return { w: Math.max(1, Math.round(w * scale)), h: Math.max(1, Math.round(hgt * scale)) };
}

function imageTile(m, a) {
  const size = fitInto(a.width, a.height, IMAGE_MAX);
  // width/height attributes give the box its aspect ratio before the picture arrives (CSS: height auto).
  const img = h("img", { class: "att-img", width: size.w, height: size.h, alt: a.name, decoding: "async" });
  showUrl(img, "src", a.id, (u) => (a.animated || !u.thumbnail ? u.content : u.thumbnail));
  return h("button", {
    type: "button", class: "att-image", "data-testid": "att-image", "data-file-id": a.id,
    "aria-label": t("files.open_image", { name: a.name }), title: a.name,
    onclick: () => openLightbox(m.conversation_id, a.id),
  }, img);
}

function videoTile(a) {
  const size = a.width && a.height ? fitInto(a.width, a.height, VIDEO_MAX) : { w: VIDEO_MAX.w, h: Math.round(VIDEO_MAX.w * 9 / 16) };
  const video = h("video", { class: "att-video", controls: true, preload: "metadata", width: size.w, height: size.h,
    "data-testid": "att-video", "aria-label": a.name });
  showUrl(video, "src", a.id, (u) => u.content);
  if (a.thumbnail) showUrl(video, "poster", a.id, (u) => u.thumbnail);
  return h("figure", { class: "att-media", "data-file-id": a.id }, video, caption(a));
}

function audioTile(a) {
  const audio = h("audio", { class: "att-audio", controls: true, preload: "metadata", "data-testid": "att-audio", "aria-label": a.name });
  showUrl(audio, "src", a.id, (u) => u.content);
  return h("figure", { class: "att-media audio", "data-file-id": a.id }, caption(a), audio);
}

function caption(a) {
  const link = downloadLink(a, true);
  return h("figcaption", { class: "att-caption" }, h("span", { class: "att-name", title: a.name }, a.name),
    h("span", { class: "dim" }, formatBytes(a.size)), link);
}

/** A PDF (its first page when the server drew one) or any other file: icon, name, size, type, download. */
export function fileCard(a) {
  const pdfPage = a.kind === "pdf" && a.thumbnail ? h("img", { class: "att-pdf-page", alt: "", width: a.thumbnail.width, height: a.thumbnail.height }) : null;
  if (pdfPage) showUrl(pdfPage, "src", a.id, (u) => u.thumbnail);
  const open = h("a", { class: "att-card-main", target: "_blank", rel: "noopener noreferrer", title: a.name },
    pdfPage || h("span", { class: ["att-icon", `kind-${a.kind}`] }, icon(KIND_ICONS[a.kind] || "file", 26)),
    h("span", { class: "att-card-text" },
      h("span", { class: "att-name", "data-testid": "att-name" }, a.name),
      h("span", { class: "dim att-meta" }, [formatBytes(a.size), typeLabel(a), a.pages ? t("files.pages", { n: a.pages }) : null].filter(Boolean).join(" · "))));
  // A PDF opens in a tab (served inline); anything else is saved (the server sends it as an attachment anyway).
  showUrl(open, "href", a.id, (u) => (a.kind === "pdf" ? u.content : downloadUrl(u.content)));
  return h("div", { class: ["att-card", a.kind === "pdf" && "pdf"], "data-testid": "att-file", "data-file-id": a.id },
    open, downloadLink(a));
}

function downloadLink(a, small = false) {
  const link = h("a", { class: ["icon-btn", "att-download", small && "small"], download: a.name, "data-testid": "att-download",
    title: t("files.download"), "aria-label": t("files.download_name", { name: a.name }) }, icon("download", small ? 16 : 18));
  showUrl(link, "href", a.id, (u) => downloadUrl(u.content));
  return link;
}

/**
 * Sets an element's URL attribute once the signed URLs are in. A URL that expired while shown
 * (an element that fails to load it) is asked for again, once.
 */
export function showUrl(el, attr, fileId, pick) {
  let retried = false;
  const apply = (fresh) => fileUrls(fileId, { fresh }).then((u) => {
    const url = u && pick(u);
    if (url) el.setAttribute(attr, url);
    else if (!u) el.classList.add("att-unavailable");
  });
  if (attr === "src") {
    el.addEventListener("error", () => {
      if (retried || !el.getAttribute("src")) return;
      retried = true;
      const at = el.currentTime || 0;
      apply(true).then(() => { if (at && "currentTime" in el) el.currentTime = at; });
    });
  }
  apply(false);
}

/** "Image", "PDF", "MP4"…: the kind, or the subtype of the MIME type for other files. */
export function typeLabel(a) {
  if (a.kind !== "file") return t(`files.kind_${a.kind}`);
  const sub = (a.mime || "").split("/")[1] || "";
  const ext = (a.name.match(/\.([A-Za-z0-9]{1,8})$/) || [])[1];
  return (ext || sub.split(/[.+;-]/).pop() || t("files.kind_file")).toUpperCase();
}

/** 1 536 → "1.5 KB", in the user's language's digits and separators. */
export function formatBytes(n) {
  if (!Number.isFinite(n)) return "";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${new Intl.NumberFormat(language(), { maximumFractionDigits: digits }).format(value)} ${units[unit]}`;
}

/** 65 000 → "1:05". */
export function formatDuration(ms) {
  const total = Math.max(0, Math.round((ms || 0) / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
}
