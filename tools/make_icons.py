"""Renders the web app's PNG icons from ``axon/web/icon.svg`` (run after changing the SVG; the
output is committed): ``python tools/make_icons.py``.

Chromium (the one the browser tests use, through Playwright) draws the SVG, so no image library is
needed. "any" icons keep the SVG's rounded corners on a transparent background; "maskable" ones
fill the whole square with the icon's blue and keep the glyph inside the central 80 % safe zone, so
a launcher's circle or squircle mask never cuts it.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "axon" / "web"
OUT = WEB / "icons"
BACKGROUND = "#3b5bdb"  # the SVG's own fill
CHROMIUM = os.environ.get("AXON_CHROMIUM", "/usr/bin/chromium")
ICONS = [  # (file name, size in px, maskable)
    ("icon-192.png", 192, False),
    ("icon-512.png", 512, False),
    ("icon-maskable-192.png", 192, True),
    ("icon-maskable-512.png", 512, True),
    ("apple-touch-icon.png", 180, True),  # iOS rounds the corners itself and wants no transparency
]


def page_html(svg: str, size: int, maskable: bool) -> str:
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    glyph = round(size * 0.8) if maskable else size
    background = BACKGROUND if maskable else "transparent"
    return (f"<html><body style='margin:0;width:{size}px;height:{size}px;background:{background};"
            f"display:flex;align-items:center;justify-content:center'>"
            f"<img src='{src}' width='{glyph}' height='{glyph}'></body></html>")


def main() -> None:
    svg = (WEB / "icon.svg").read_text()
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for name, size, maskable in ICONS:
            page = browser.new_page(viewport={"width": size, "height": size}, device_scale_factor=1)
            page.set_content(page_html(svg, size, maskable))
            page.wait_for_function("document.images[0].complete")
            page.screenshot(path=str(OUT / name), omit_background=not maskable)
            page.close()
            print(f"wrote {(OUT / name).relative_to(ROOT)}")
        browser.close()


if __name__ == "__main__":
    main()
