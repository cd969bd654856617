"""Draw the app's home-screen icons (static/icons/*.png) from static/favicon.svg, once.

Chromium renders the SVG (Pillow draws no SVG, and the tests already need Chromium):
`python scripts/app_icons.py`. The maskable icon fills its square with the brand colour and
draws the mark in the central 80 %: its bubble stays inside the circle a launcher may cut."""

from __future__ import annotations

import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

STATIC = Path(__file__).resolve().parent.parent / "static"
BRAND = "#2f6fed"


def page_for(svg: str, size: int, maskable: bool) -> str:
    if maskable:
        inner = svg.replace('rx="8" fill="#2f6fed"', 'fill="none"')
        return (
            f'<body style="margin:0;width:{size}px;height:{size}px;background:{BRAND};'
            f'display:grid;place-items:center"><div style="width:{size * 0.8}px;'
            f'height:{size * 0.8}px">{inner}</div></body>'
        )
    return f'<body style="margin:0;background:transparent">{svg}</body>'


def main() -> None:
    svg = (STATIC / "favicon.svg").read_text().replace("<svg ", '<svg width="100%" height="100%" ')
    out = STATIC / "icons"
    out.mkdir(exist_ok=True)
    wanted = [("icon-192.png", 192, False), ("icon-512.png", 512, False)]
    wanted += [("icon-maskable-512.png", 512, True)]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-gpu"]
        )
        for name, size, maskable in wanted:
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(page_for(svg, size, maskable))
            page.screenshot(path=out / name, omit_background=not maskable)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
