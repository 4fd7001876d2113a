"""Render report pages to PNG in headless Chromium at a real viewport width (390 px is a phone).

usage: python tools/screenshot.py [--width W] [--height H] [--full] page.html out.png [page2.html out2.png ...]

Chromium's own ``--screenshot`` cannot lay a page out narrower than about 500 px, so this drives it with Playwright
(Debian's ``/usr/bin/chromium``; no browser download) with a phone-sized viewport and touch, like the browser tests.
``--full`` captures the whole page; otherwise the first H pixels (default 2400).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2400)
    parser.add_argument("--full", action="store_true")
    parser.add_argument("pairs", nargs="+", help="page.html out.png, repeated")
    args = parser.parse_args()
    if len(args.pairs) % 2:
        parser.error("give pages and outputs in pairs: page.html out.png …")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("screenshot: chromium is not installed (tools/ensure-chromium.sh installs it)", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=FLAGS, headless=True)
        phone = args.width < 600
        context = browser.new_context(viewport={"width": args.width, "height": args.height}, is_mobile=phone,
                                      has_touch=phone, device_scale_factor=1)
        page = context.new_page()
        for html, png in zip(args.pairs[::2], args.pairs[1::2]):
            page.goto(Path(html).resolve().as_uri(), wait_until="load")
            page.screenshot(path=png, full_page=args.full)
            print(png)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
