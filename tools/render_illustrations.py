"""Render the step illustrations (SVG) to PNG for channels that need a bitmap (Zalo's media template).

Usage (app environment, Debian's chromium or CHROMIUM_PATH): python -m tools.render_illustrations
Writes web_widget/illustrations/<name>.png at 2x (640 px wide) next to each SVG; commit the PNGs.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS  # the same chromium and flags as the browser tests

DIR = Path(__file__).resolve().parents[1] / "web_widget" / "illustrations"


def main() -> None:
    """Render every SVG in the illustrations folder."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(device_scale_factor=2, viewport={"width": 320, "height": 240})
        for svg in sorted(DIR.glob("*.svg")):
            page.set_content(f"<html><body style='margin:0'>{svg.read_text(encoding='utf-8')}</body></html>")
            box = page.locator("svg").bounding_box()
            page.set_viewport_size({"width": int(box["width"]), "height": int(box["height"])})
            page.locator("svg").screenshot(path=str(svg.with_suffix(".png")))
            print(svg.with_suffix(".png").name)
        browser.close()


if __name__ == "__main__":
    main()
