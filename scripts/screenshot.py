"""Take the README's picture of the page: the bundled corpus built, its graph.html drawn in headless Chromium
(Debian's chromium, driven by Playwright), a place clicked so its panel shows.

    .venv/bin/python scripts/screenshot.py [--out out] [--to docs/graph.png]
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "out", help="where the bundled corpus is built (default: out)")
    ap.add_argument("--to", type=Path, default=ROOT / "docs" / "graph.png", help="the picture (default: docs/graph.png)")
    ap.add_argument("--click", default="陕西省", help="the place whose panel shows (default: 陕西省)")
    args = ap.parse_args()
    kg = Path(sys.executable).with_name("kg")
    subprocess.run([str(kg), "build", "--out", str(args.out), "--quiet"], check=True)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1280, "height": 760})
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
        page.goto((args.out / "graph.html").resolve().as_uri())
        page.wait_for_selector("body[data-drawn=yes]", state="attached", timeout=20000)
        page.evaluate("name => { const n = nodes.get().find(n => n.label === name); if (n) select(n.id); }", args.click)
        page.wait_for_timeout(800)
        page.screenshot(path=str(args.to))
        browser.close()
    print(args.to)


if __name__ == "__main__":
    main()
