#!/usr/bin/env node
// Vendors the emoji picker's data: `npm pack emojibase-data@<version>` into a temporary
// directory, then keeps only what the web client uses, in one file the picker fetches the
// first time it opens (axon/web/vendor/emoji/emoji.json), plus the package's licence.
//
//   node tools/vendor-emoji.mjs            (needs npm and tar; run from the repository root)
//
// `groups` lists the categories as [number, key]; kept per emoji, as an array (a third of the size of objects):
//   [emoji, group, English name, English keywords, Chinese name, Chinese keywords, shortcodes, skins]
// `shortcodes` are emojibase's and GitHub's English ones (":thumbsup:", ":+1:");
// `skins` the five skin-tone variants in Fitzpatrick order, or 0. Regional indicator letters and
// the "component" group (lone skin tones, hair styles) are left out: nobody picks them alone.
// An emoji whose base character already presents as emoji drops its variation selector
// (U+FE0F), so the picker inserts "👍" as people type it and reactions compare equal.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const VERSION = "17.0.0";
const OUT = join("axon", "web", "vendor", "emoji");
const COMPONENT_GROUP = 2;

const work = mkdtempSync(join(tmpdir(), "emojibase-"));
try {
  execFileSync("npm", ["pack", `emojibase-data@${VERSION}`, "--silent"], { cwd: work, stdio: "inherit" });
  execFileSync("tar", ["xzf", `emojibase-data-${VERSION}.tgz`], { cwd: work });
  const pkg = join(work, "package");
  const read = (path) => JSON.parse(readFileSync(join(pkg, path), "utf8"));
  const en = read("en/compact.json");
  const zh = new Map(read("zh/compact.json").map((e) => [e.hexcode, e]));
  const codes = [read("en/shortcodes/emojibase.json"), read("en/shortcodes/github.json")];
  const groups = read("en/messages.json").groups.filter((g) => g.order !== COMPONENT_GROUP).map((g) => [g.order, g.key]);

  const rows = en
    .filter((e) => e.group !== undefined && e.group !== COMPONENT_GROUP && !/^1F1E[6-9A-F]$|^1F1F[0-9A-F]$/.test(e.hexcode))
    .sort((a, b) => a.order - b.order)
    .map((e) => {
      const other = zh.get(e.hexcode) || {};
      const shortcodes = [...new Set(codes.flatMap((table) => [].concat(table[e.hexcode] || [])))];
      const skins = e.skins && e.skins.length === 5 ? e.skins.map((s) => plain(s.unicode)) : 0;
      return [plain(e.unicode), e.group, e.label, (e.tags || []).join(" "), other.label || "",
        (other.tags || []).join(" "), shortcodes, skins];
    });
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, "emoji.json"), JSON.stringify({ version: VERSION, groups, emoji: rows }));
  copyFileSync(join(pkg, "LICENSE"), join(OUT, "LICENSE.emojibase-data"));
  console.log(`${rows.length} emoji from emojibase-data@${VERSION} → ${OUT}/emoji.json`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

function plain(emoji) {
  const chars = [...emoji];
  return chars.length === 2 && chars[1] === "\uFE0F" && /\p{Emoji_Presentation}/u.test(chars[0]) ? chars[0] : emoji;
}
