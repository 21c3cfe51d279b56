// Light, dark, or following the system.

import { prefs } from "../core/prefs.js";

const media = window.matchMedia("(prefers-color-scheme: dark)");
let chosen = "auto";

export function applyTheme(theme) {
  chosen = theme;
  const dark = theme === "dark" || (theme === "auto" && media.matches);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
  // A chosen theme overrides the system's: both theme-color tags then name its sidebar colour.
  for (const meta of document.querySelectorAll('meta[name="theme-color"]')) {
    meta.content = (theme === "auto" ? meta.media.includes("dark") : dark) ? "#121418" : "#f0f2f5";
  }
}

export function setTheme(theme) {
  prefs.setTheme(theme);
  applyTheme(theme);
}

export function currentTheme() {
  return chosen;
}

media.addEventListener("change", () => chosen === "auto" && applyTheme("auto"));
