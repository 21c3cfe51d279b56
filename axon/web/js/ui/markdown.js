// Message text → safe DOM. Markdown by marked, then DOMPurify with a short allow-list;
// raw HTML in a message is shown as text (people paste `<div>` to talk about it), and
// mentions are highlighted on the sanitised tree through text nodes only.

import { Marked } from "../../vendor/marked.esm.js";
import DOMPurify from "../../vendor/purify.es.mjs";
import { EVERYONE, MENTION } from "./mentions.js";

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => (
  { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

const marked = new Marked({ gfm: true, breaks: true });
marked.use({
  renderer: {
    html: (token) => escapeHtml(token.text ?? token.raw),
    // Remote images would leak who reads what (and the CSP blocks them): show a link.
    image: (token) => `<a href="${escapeHtml(token.href)}">${escapeHtml(token.text || token.href)}</a>`,
  },
});

const PURIFY = {
  ALLOWED_TAGS: ["p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td"],
  ALLOWED_ATTR: ["href", "title", "start", "class"],
  ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#)/i,
  RETURN_DOM_FRAGMENT: true,
};

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
  if (node.hasAttribute("class") && !/^language-[\w-]+$/.test(node.getAttribute("class"))) {
    node.removeAttribute("class");
  }
});

const SKIP = new Set(["CODE", "PRE", "A"]);
const cache = new Map();
const CACHE_SIZE = 2000;

/**
 * A fresh DocumentFragment for this text. `myUsername` decides which mentions are "me";
 * `nameOf(username)` gives the label shown for a mention (a display name), or undefined to
 * show the @username as written. Only the sanitised tree is cached: names change.
 */
export function renderMarkdown(text, myUsername = "", nameOf = () => undefined) {
  let fragment = cache.get(text);
  if (!fragment) {
    fragment = DOMPurify.sanitize(marked.parse(text), PURIFY);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value);
    cache.set(text, fragment);
  }
  const copy = fragment.cloneNode(true);
  if (text.includes("@")) highlightMentions(copy, (myUsername || "").toLowerCase(), nameOf);
  return copy;
}

function highlightMentions(root, me, nameOf) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!insideSkipped(node) && node.nodeValue.includes("@")) nodes.push(node);
  }
  for (const node of nodes) splitMentions(node, me, nameOf);
}

function insideSkipped(node) {
  for (let el = node.parentNode; el; el = el.parentNode) if (SKIP.has(el.nodeName)) return true;
  return false;
}

function splitMentions(node, me, nameOf) {
  const text = node.nodeValue;
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(MENTION)) {
    const name = match[1];
    const lower = name.toLowerCase();
    parts.push(document.createTextNode(text.slice(last, match.index)));
    const span = document.createElement("span");
    span.className = lower === me || EVERYONE.has(lower) ? "mention mention-me" : "mention";
    const label = EVERYONE.has(lower) ? undefined : nameOf(lower);
    // Text only: a display name is never parsed as HTML.
    span.textContent = `@${label || name}`;
    if (label) span.title = `@${name}`;
    span.dataset.username = lower;
    parts.push(span);
    last = match.index + match[0].length;
  }
  if (!parts.length) return;
  parts.push(document.createTextNode(text.slice(last)));
  node.replaceWith(...parts);
}

/** Plain one-line text for previews and notifications (never parsed as HTML). */
export function plainText(text, max = 140) {
  const flat = String(text).replace(/```[\s\S]*?```/g, "[code]").replace(/[*_`>#~]/g, "").replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
