"""Draw the app icons (PNG 192 and 512, and a maskable 512) from static/favicon.svg with
Debian's chromium, the same browser the tests drive. Run once when the favicon changes;
the PNGs are committed: `python scripts/make_icons.py` (needs fonts-noto-color-emoji for 🎬).
"""
from __future__ import annotations

import base64
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

STATIC = ROOT / "movie_lottery" / "static"
BACKGROUND = "#1b1030"  # the favicon's own square
# Maskable icons are cut to a circle of 80% of their width by some launchers: the mark is
# drawn at 70% on a full-bleed background, inside that safe zone.
ICONS = (("icon-192.png", 192, False), ("icon-512.png", 512, False), ("icon-maskable-512.png", 512, True))


def page_html(svg: bytes, size: int, maskable: bool) -> str:
    source = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
    inner = round(size * 0.7) if maskable else size
    background = BACKGROUND if maskable else "transparent"
    return (f'<html><body style="margin:0;width:{size}px;height:{size}px;background:{background};'
            f'display:flex;align-items:center;justify-content:center">'
            f'<img src="{source}" width="{inner}" height="{inner}"></body></html>')


def main() -> None:
    svg = (STATIC / "favicon.svg").read_bytes()
    (STATIC / "icons").mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for name, size, maskable in ICONS:
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(page_html(svg, size, maskable))
            page.screenshot(path=str(STATIC / "icons" / name), omit_background=not maskable)
            page.close()
        browser.close()
    print("icons written to", STATIC / "icons")


if __name__ == "__main__":
    main()
