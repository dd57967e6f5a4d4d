"""``make screenshots``: the pictures in docs/screenshots/, taken from the demo data.

The dashboard and a staff form (a new CP solution), in Vietnamese, at 1366×768 and on a
390×844 phone: the dashboard's first screen (what a manager sees before scrolling), its CP
pathway funnel and its map of units (each section whole, further down the page), the form
whole. The server is bench/pages.py's: the production set-up (gunicorn, collectstatic,
whitenoise) on a scratch SQLite database filled by ``load_demo``; the browser is Debian's
Chromium (never a downloaded one). About a minute.

PNGs are kept small: one CSS pixel per pixel, and, when Pillow is installed, reduced to 256
colours (the pages are flat colours and text) and written optimised.
"""

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pages import production_server, sign_in
from bench.server import CHROMIUM, CHROMIUM_ARGS, PAGE_TIMEOUT, ROOT, log

TARGET = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
#: What a shot frames: the first screen, the whole page, or one element (a CSS selector), whole.
SCREEN, PAGE = "screen", "page"
#: (file name, user, path, viewport, frame)
SHOTS = (
    ("dashboard-1366.png", "manager", "/dashboard/", DESKTOP, SCREEN),
    ("dashboard-390.png", "manager", "/dashboard/", PHONE, SCREEN),
    ("dashboard-funnel-1366.png", "manager", "/dashboard/", DESKTOP, "#funnel"),
    ("dashboard-funnel-390.png", "manager", "/dashboard/", PHONE, "#funnel"),
    ("dashboard-map-1366.png", "manager", "/dashboard/", DESKTOP, "#map"),
    ("dashboard-map-390.png", "manager", "/dashboard/", PHONE, "#map"),
    ("solution-form-1366.png", "staff", "/record/solutions/new/", DESKTOP, PAGE),
    ("solution-form-390.png", "staff", "/record/solutions/new/", PHONE, PAGE),
)
CHARTS_DRAWN = "document.querySelectorAll('.chart').length === document.querySelectorAll('.chart-drawn').length"


def shrink(path: Path) -> None:
    """256 colours and an optimised PNG, when Pillow is there (it is not a requirement)."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def take(base: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    TARGET.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, user, path, viewport, frame in SHOTS:
                context = browser.new_context(locale="vi-VN", viewport=viewport, device_scale_factor=1)
                page = context.new_page()
                sign_in(page, base, user)
                page.goto(f"{base}{path}", wait_until="networkidle", timeout=PAGE_TIMEOUT * 1000)
                deadline = PAGE_TIMEOUT * 20
                while not page.evaluate(CHARTS_DRAWN) and deadline:
                    page.wait_for_timeout(50)
                    deadline -= 1
                target = TARGET / name
                options = {"path": str(target), "animations": "disabled", "caret": "hide"}
                if frame in (SCREEN, PAGE):
                    page.screenshot(full_page=frame == PAGE, **options)
                else:  # scrolled into view, then cut to the element's box
                    page.locator(frame).screenshot(**options)
                shrink(target)
                written.append(target)
                log(f"  {target.relative_to(ROOT)}: {target.stat().st_size / 1000:,.0f} kB")
                context.close()
        finally:
            browser.close()
    return written


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="cpdash-shots-") as folder, production_server(Path(folder)) as server:
        base, _facility = server
        take(base)


if __name__ == "__main__":
    main()
