"""Starting the playground for tests, and finding a Chromium for the browser tests.

Playwright's own browser download is not reachable on CI; .ci/run installs Debian's
``chromium`` and the tests launch it by path. A developer machine may use
``playwright install chromium`` instead. Without any browser the browser tests skip and say
why — except on CI (``CI`` set), where a skipped browser test is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from handlers.playground import Playground

SYSTEM_CHROMIUMS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def start_playground(tmp_path: Path, tiny_runner: Any, home: Path | None = None) -> Playground:
    settings = Settings(
        home=home or tmp_path / "home",
        models="tiny",
        file_share_timeout_s=10.0,
        progress_interval_s=0.2,
    )
    playground = Playground(
        settings, "127.0.0.1", 0, runner_factory=lambda device: tiny_runner, devices=["cpu"]
    )
    playground.start()
    return playground


def _no_browser(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests must run on CI: {reason}")
    pytest.skip(reason)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium: Debian's (by path) if installed, else Playwright's own."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("playwright is not installed (pip install -e '.[dev]')")
    executable = next((shutil.which(n) for n in SYSTEM_CHROMIUMS if shutil.which(n)), None)
    with sync_playwright() as p:
        if executable is None and not Path(p.chromium.executable_path).exists():
            _no_browser(
                "no Chromium found: apt-get install chromium, or playwright install chromium"
            )
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()
