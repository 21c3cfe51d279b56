// Message text → safe DOM. Markdown by marked, then DOMPurify with a short allow-list;
// raw HTML in a message is shown as text (people paste `<div>` to talk about it), and
// mentions are highlighted on the sanitised tree through text nodes only.

import { Marked } from "../../vendor/marked.esm.js";
import DOMPurify from "../../vendor/purify.es.mjs";

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

const MENTION = /(?<![\w@.])@([A-Za-z0-9][A-Za-z0-9._-]{0,63})/g;
const EVERYONE = new Set(["all", "channel", "everyone", "here"]);
const SKIP = new Set(["CODE", "PRE", "A"]);
const cache = new Map();
const CACHE_SIZE = 2000;

/** A fresh DocumentFragment for this text; `myUsername` decides which mentions are "me". */
export function renderMarkdown(text, myUsername = "") {
  const key = `${myUsername}\u0000${text}`;
  let fragment = cache.get(key);
  if (!fragment) {
    fragment = DOMPurify.sanitize(marked.parse(text), PURIFY);
    highlightMentions(fragment, (myUsername || "").toLowerCase());
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value);
    cache.set(key, fragment);
  }
  return fragment.cloneNode(true);
}

function highlightMentions(root, me) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!insideSkipped(node) && node.nodeValue.includes("@")) nodes.push(node);
  }
  for (const node of nodes) splitMentions(node, me);
}

function insideSkipped(node) {
  for (let el = node.parentNode; el; el = el.parentNode) if (SKIP.has(el.nodeName)) return true;
  return false;
}

function splitMentions(node, me) {
  const text = node.nodeValue;
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(MENTION)) {
    const name = match[1].replace(/[._-]+$/, "");
    parts.push(document.createTextNode(text.slice(last, match.index)));
    const span = document.createElement("span");
    const lower = name.toLowerCase();
    span.className = lower === me || EVERYONE.has(lower) ? "mention mention-me" : "mention";
    span.textContent = `@${name}`;
    parts.push(span);
    last = match.index + 1 + name.length;
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
