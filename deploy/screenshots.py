"""Take the web manifest's screenshots of the home page, in each language and form factor.

    python deploy/screenshots.py http://127.0.0.1:8000        (`make screenshots`, against `make run`)

The install dialog of Chromium shows them ("richer install UI"). They are committed under
static/img/screenshots/ (kyivguide/tests/test_pwa.py checks each has the size the manifest gives);
retake them when the home page changes its looks. Map tiles are left out, as they are third-party.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from kyivguide.pwa import SCREENSHOTS, screenshot_path  # the venv knows the project root (Makefile)

ROOT = Path(__file__).resolve().parent.parent

CHROMIUM = "/usr/bin/chromium"
PAGES = {"uk": "/", "en": "/en/"}


def main(base_url: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        for form_factor, sizes in SCREENSHOTS:
            width, height = (int(n) for n in sizes.split("x"))
            context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
            page = context.new_page()
            page.route("https://**", lambda route: route.abort())
            for language, path in PAGES.items():
                page.goto(base_url.rstrip("/") + path, wait_until="networkidle")
                target = ROOT / "static" / screenshot_path(language, form_factor)
                target.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(target))
            context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
