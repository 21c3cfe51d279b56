// Cards a message shows in place of its plain-text fallback, one renderer per `card.type` (the
// calendar's "event" card is drawn by event_card.js). A module that knows a type registers it once
// at import (ui/app.js imports them); a message whose card type nobody registered shows its text.

const renderers = new Map();

/** `render(m)` → an element (or null to fall back to the text); `signature(m)` → what else, beyond
 * the card itself, the drawing depends on (a local state the card shows), for the timeline's keyed update. */
export function registerCard(type, render, signature = () => null) {
  renderers.set(type, { render, signature });
}

function rendererOf(m) {
  return m.card && !m.deleted ? renderers.get(m.card.type) || null : null;
}

/** The registered drawing of the message's card, or null. */
export function cardView(m) {
  const r = rendererOf(m);
  return r ? r.render(m) : null;
}

/** Part of a message row's signature: its card and the card's local state. */
export function cardSignature(m) {
  const r = rendererOf(m);
  return r ? [m.card, r.signature(m)] : null;
}
