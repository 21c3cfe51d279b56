// Tiny DOM helpers. Text is always set through text nodes, never parsed as HTML:
// the only HTML that reaches the page comes from markdown.js, through DOMPurify.

export function h(tag, attrs = null, ...children) {
  const el = document.createElement(tag);
  if (attrs) setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "class") {
      el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
    } else if (name === "value" || name === "checked" || name === "disabled" || name === "selected") {
      el[name] = value;
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

/**
 * Keyed update of a container's children. Each row is {key, sig, render}: a node is
 * rebuilt only when its signature changed, so focus, selection and open editors in
 * untouched rows survive live updates.
 */
export function reconcile(container, rows) {
  const old = container._rows || new Map();
  const next = new Map();
  let cursor = container.firstChild;
  for (const row of rows) {
    let entry = old.get(row.key);
    if (!entry || entry.sig !== row.sig) {
      const el = row.render();
      if (entry) {
        if (entry.el === cursor) cursor = el;
        entry.el.replaceWith(el);
      }
      entry = { el, sig: row.sig };
    }
    old.delete(row.key);
    next.set(row.key, entry);
    if (entry.el !== cursor) container.insertBefore(entry.el, cursor);
    else cursor = cursor.nextSibling;
  }
  for (const { el } of old.values()) el.remove();
  container._rows = next;
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/**
 * Coalesce many requests made in one task into one call at the end of it. A microtask,
 * not requestAnimationFrame: frames stop in background tabs and the title must still update.
 */
export function batched(fn) {
  let pending = false;
  let cancelled = false;
  const request = () => {
    if (pending || cancelled) return;
    pending = true;
    queueMicrotask(() => {
      pending = false;
      if (!cancelled) fn();
    });
  };
  request.cancel = () => { cancelled = true; };
  return request;
}
