"""Retake docs/playground.png: the playground after a draft, as the README shows it.

Run: python docs/screenshot.py (needs Chromium: apt-get install chromium, or playwright install
chromium). Starts a playground on a fresh DAILIES_HOME with the tiny family, drafts, votes,
opens the thread and saves the screenshot.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from playwright.sync_api import expect  # noqa: E402

from models.runner import ModelRunner  # noqa: E402
from tests.handlers.playground_helpers import chromium, start_playground  # noqa: E402


def main() -> None:
    runner = ModelRunner("tiny", device="cpu")
    runner.warm()
    with tempfile.TemporaryDirectory() as tmp:
        playground = start_playground(Path(tmp), runner)
        try:
            with chromium() as browser:
                page = browser.new_page(viewport={"width": 1400, "height": 860})
                expect.set_options(timeout=60_000)
                page.goto(playground.url)
                page.get_by_label("Acting as").select_option(label="Bob")
                page.get_by_label("Message").fill("/draft a red sneaker on wet marble --n 4")
                page.get_by_label("Message").press("Enter")
                root = page.locator("#messages .msg").filter(has_text="a red sneaker")
                expect(root.locator(".thread-link")).to_have_text(re.compile(r"\d+ repl"))
                root.locator(".thread-link").click()
                grid = page.locator("#thread-messages [data-block^='variant_'] img")
                expect(grid).to_have_count(4)
                vote = page.locator("[data-block='variant_2_actions']").get_by_role(
                    "button", name="Vote"
                )
                vote.click()
                expect(page.locator("[data-block='variant_2_note']")).to_contain_text("1 vote")
                page.get_by_label("Message").fill("/dailies ")
                page.get_by_label("Message").press("End")
                page.get_by_label("Message").type("a")
                page.locator("#thread-messages [data-block='summary']").last.evaluate(
                    "(el) => el.scrollIntoView()"
                )
                page.screenshot(path=str(ROOT / "docs" / "playground.png"))
        finally:
            playground.stop()
    print(ROOT / "docs" / "playground.png")


if __name__ == "__main__":
    main()
