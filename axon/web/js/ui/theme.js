// Light, dark, or following the system.

import { prefs } from "../core/prefs.js";

const media = window.matchMedia("(prefers-color-scheme: dark)");
let chosen = "auto";

export function applyTheme(theme) {
  chosen = theme;
  const dark = theme === "dark" || (theme === "auto" && media.matches);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
}

export function setTheme(theme) {
  prefs.setTheme(theme);
  applyTheme(theme);
}

export function currentTheme() {
  return chosen;
}

media.addEventListener("change", () => chosen === "auto" && applyTheme("auto"));
