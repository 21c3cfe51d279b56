// Line icons as inline SVG built through the DOM (24×24 grid, stroke = currentColor).
// Toolbar glyphs must not depend on an emoji font being installed.

const PATHS = {
  pin: ["M12 17v5", "M9 3h6l-1 7 4 4H6l4-4z"],
  bell: ["M6 8a6 6 0 0 1 12 0c0 7 3 8 3 8H3s3-1 3-8", "M10 20a2 2 0 0 0 4 0"],
  bellOff: ["M6 8a6 6 0 0 1 10.5-4", "M18 9c0 6 3 7 3 7H9", "M10 20a2 2 0 0 0 4 0", "M3 3l18 18"],
  users: ["M16 20v-1a4 4 0 0 0-4-4H7a4 4 0 0 0-4 4v1", "M9.5 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7", "M21 20v-1a4 4 0 0 0-3-3.8", "M15.5 4.2a3.5 3.5 0 0 1 0 6.6"],
  pencil: ["M4 20h4L19 9l-4-4L4 16z", "M13.5 6.5l4 4"],
  trash: ["M4 7h16", "M10 11v6", "M14 11v6", "M6 7l1 13h10l1-13", "M9 7V4h6v3"],
  smile: ["M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18", "M8 14s1.5 2 4 2 4-2 4-2", "M9 9.5h.01", "M15 9.5h.01"],
  reply: ["M9 14L4 9l5-5", "M4 9h10a6 6 0 0 1 6 6v5"],
  archive: ["M3 4h18v4H3z", "M5 8v12h14V8", "M10 12h4"],
  leave: ["M15 4h4v16h-4", "M10 17l5-5-5-5", "M15 12H3"],
  topic: ["M4 6h16", "M4 12h16", "M4 18h10"],
  close: ["M6 6l12 12", "M18 6L6 18"],
  back: ["M15 18l-6-6 6-6"],
  plus: ["M12 5v14", "M5 12h14"],
  hash: ["M5 9h14", "M5 15h14", "M10 3L8 21", "M16 3l-2 18"],
  lock: ["M6 11h12v10H6z", "M8 11V7a4 4 0 0 1 8 0v4"],
  quote: ["M6 17h3l2-4V7H5v6h3z", "M14 17h3l2-4V7h-6v6h3z"],
  forward: ["M15 14l5-5-5-5", "M20 9H9a5 5 0 0 0-5 5v6"],
  star: ["M12 3l2.8 5.7 6.2.9-4.5 4.4 1.1 6.2L12 17.3l-5.6 2.9 1.1-6.2L3 9.6l6.2-.9z"],
  filter: ["M3 5h18l-7 8v6l-4 2v-8z"],
  checks: ["M2 12l5 5L18 6", "M12 16l1 1L22 8"],
  chevron: ["M6 9l6 6 6-6"],
  up: ["M12 19V5", "M6 11l6-6 6 6"],
  down: ["M12 5v14", "M6 13l6 6 6-6"],
  more: ["M5 12m-1 0a1 1 0 1 0 2 0a1 1 0 1 0-2 0", "M12 12m-1 0a1 1 0 1 0 2 0a1 1 0 1 0-2 0", "M19 12m-1 0a1 1 0 1 0 2 0a1 1 0 1 0-2 0"],
  // search-web
  search: ["M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14", "M20 20l-4-4"],
  clock: ["M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18", "M12 7v5l3 2"],
  // files-web
  paperclip: ["M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l8-8"],
  mic: ["M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3", "M5 11a7 7 0 0 0 14 0", "M12 18v3"],
  file: ["M14 3H6v18h12V7z", "M14 3v4h4"],
  files: ["M9 3h7l4 4v11H9z", "M16 3v4h4", "M5 7v14h11"],
  image: ["M4 5h16v14H4z", "M4 16l5-5 4 4 3-3 4 4", "M15.5 9.5h.01"],
  film: ["M4 5h16v14H4z", "M8 5v14", "M16 5v14", "M4 9h4", "M4 15h4", "M16 9h4", "M16 15h4"],
  music: ["M9 18V5l11-2v13", "M6 21a3 3 0 1 0 0-6 3 3 0 0 0 0 6", "M17 19a3 3 0 1 0 0-6 3 3 0 0 0 0 6"],
  download: ["M12 4v11", "M7 10l5 5 5-5", "M5 20h14"],
  play: ["M7 4l13 8-13 8z"],
  pause: ["M7 4h3v16H7z", "M14 4h3v16h-3z"],
  stop: ["M6 6h12v12H6z"],
  send: ["M4 12l16-8-6 16-3-7z", "M11 13l9-9"],
  zoomIn: ["M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14", "M21 21l-5-5", "M11 8v6", "M8 11h6"],
  zoomOut: ["M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14", "M21 21l-5-5", "M8 11h6"],
  left: ["M15 18l-6-6 6-6"],
  right: ["M9 18l6-6-6-6"],
  megaphone: ["M3 11v2a1 1 0 0 0 1 1h3l6 4V6L7 10H4a1 1 0 0 0-1 1", "M17 9a3 3 0 0 1 0 6", "M8 14l1 5h2l-1-5"],
  // ai-translate
  translate: ["M4 5h8", "M8 3v2", "M5 9c1.5 3 4 5 6 6", "M11 5c-1 4-3.5 7-7 9", "M13 21l4-10 4 10", "M14.5 17.5h5"],
  // calendar-web
  calendar: ["M4 6h16v14H4z", "M4 10h16", "M8 3v5", "M16 3v5"],
  // asst-web: the @axon assistant (its avatar, "Ask Axon")
  sparkle: ["M11 4l1.9 5.1L18 11l-5.1 1.9L11 18l-1.9-5.1L4 11l5.1-1.9z", "M19 3v4", "M17 5h4", "M18.5 17v3", "M17 18.5h3"],
};

const NS = "http://www.w3.org/2000/svg";

export function icon(name, size = 18) {
  const svg = document.createElementNS(NS, "svg");
  for (const [k, v] of Object.entries({ viewBox: "0 0 24 24", width: size, height: size, fill: "none", stroke: "currentColor",
    "stroke-width": 2, "stroke-linecap": "round", "stroke-linejoin": "round", "aria-hidden": "true", class: "icon" })) {
    svg.setAttribute(k, String(v));
  }
  for (const d of PATHS[name] || []) {
    const path = document.createElementNS(NS, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}
