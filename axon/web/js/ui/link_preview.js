// The preview card of a message's first link (title, description, site, picture), fetched by the
// server: the picture is the server's small copy (GET …/preview-image, bearer token, shown through a
// blob: URL as avatars are), so the reader's browser never contacts the linked site. The picture's
// box has its real aspect ratio from the start (width/height attributes): no layout jump on load.
// The sender sees a × that removes the card for everyone (DELETE …/preview).

import { api } from "../core/engine.js";
import { t } from "../core/i18n.js";
import { isMe } from "../core/store.js";
import { h } from "./dom.js";
import { toastError } from "./dialogs.js";

const pictures = new Map(); // "message id url" -> {url (blob:, once loaded), img elements waiting}

/** Part of a message row's signature: the card changes when the preview does. */
export function previewSignature(m) {
  return m.preview ? [m.preview.url, m.preview.title, !!m.preview.image] : null;
}

/** The card under a message, or null when it has none. */
export function linkPreview(m) {
  const p = m.preview;
  if (!p || m.deleted || m.pending) return null;
  const safeUrl = /^https?:\/\//i.test(p.url) ? p.url : null;
  const text = h("a", { class: "lp-text", href: safeUrl, target: "_blank", rel: "noopener noreferrer nofollow" },
    p.site_name ? h("span", { class: "lp-site", "data-testid": "link-preview-site" }, p.site_name) : null,
    p.title ? h("span", { class: "lp-title", "data-testid": "link-preview-title" }, p.title) : null,
    p.description ? h("span", { class: "lp-desc", "data-testid": "link-preview-description" }, p.description) : null);
  return h("div", { class: ["link-preview", p.image && "with-image"], "data-testid": "link-preview" },
    text,
    p.image ? picture(m, p) : null,
    isMe(m.sender_id) ? h("button", {
      type: "button", class: "lp-remove icon-btn small", title: t("preview.remove"), "aria-label": t("preview.remove"),
      "data-testid": "link-preview-remove", onclick: () => remove(m),
    }, "×") : null);
}

function picture(m, p) {
  const img = h("img", {
    class: "lp-image", alt: "", width: String(p.image.width), height: String(p.image.height), draggable: "false",
    "data-testid": "link-preview-image", style: `aspect-ratio: ${p.image.width} / ${p.image.height}`,
  });
  const key = `${m.id} ${p.url}`;
  let entry = pictures.get(key);
  if (!entry) {
    entry = { url: null, waiting: [] };
    pictures.set(key, entry);
    api.blob(`/conversations/${encodeURIComponent(m.conversation_id)}/messages/${encodeURIComponent(m.id)}/preview-image`)
      .then((blob) => {
        entry.url = URL.createObjectURL(blob);
        for (const el of entry.waiting) el.src = entry.url;
        entry.waiting = [];
      })
      .catch(() => pictures.delete(key)); // the box stays empty; a later render retries
  }
  if (entry.url) img.src = entry.url;
  else entry.waiting.push(img);
  return img;
}

async function remove(m) {
  try {
    await api.del(`/conversations/${encodeURIComponent(m.conversation_id)}/messages/${encodeURIComponent(m.id)}/preview`);
  } catch (err) {
    toastError(err);
  }
}
