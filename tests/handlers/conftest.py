"""End-to-end harness: the real Bolt app served over HTTP, talking to the Slack imitation.

The tiny model family is built once per test session (a shared runner): building it is the slow
part, and a runner holds no per-test state.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.playground.slack_api import SlackImitation, SlackSender
from bot.runtime import Runtime, build_runtime
from handlers.app import create_app, make_http_server, start_engine
from models.runner import ModelRunner

SIGNING_SECRET = "test-signing-secret"


@pytest.fixture(scope="session")
def tiny_runner() -> ModelRunner:
    runner = ModelRunner("tiny", device="cpu")
    runner.warm()
    return runner


@dataclass
class Bot:
    runtime: Runtime
    slack: SlackImitation
    sender: SlackSender
    url: str
    stop: Callable[[], None]
    stop_http: Callable[[], None]

    def root_messages(self, channel: str = "C1") -> list[dict[str, Any]]:
        return [m for m in self.slack.messages(channel, top_level_only=True) if m.get("bot_id")]

    def bot_replies(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        return [m for m in self.slack.thread(channel, thread_ts) if m.get("bot_id")]

    def wait_for_variants(
        self, channel: str, thread_ts: str, count: int = 1, timeout: float = 60
    ) -> list[dict[str, Any]]:
        """Variants messages in the thread (numbered variant images), once ``count`` exist.

        A FINAL or a clip also shows an image, but it is not a variants message: counting it
        would let a wait end before the variants it means are posted."""

        def found() -> list[dict[str, Any]] | None:
            shown = [
                m
                for m in self.bot_replies(channel, thread_ts)
                if any(
                    b.get("type") == "image" and str(b.get("block_id", "")).startswith("variant_")
                    for b in m.get("blocks") or []
                )
            ]
            return shown if len(shown) >= count else None

        return self.slack.wait_for(found, timeout=timeout)


def start_bot(
    tmp_path: Path,
    slack: SlackImitation,
    runner_factory: Callable[[str], Any] | None,
    remote_runner_factory: Callable[[str, str], Any] | None = None,
    **settings_changes: Any,
) -> Bot:
    values: dict[str, Any] = {
        "home": tmp_path / "home",
        "models": "tiny",
        "slack_bot_token": slack.bot_token,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack.base_url,
        "file_share_timeout_s": 10.0,
        "progress_interval_s": 0.2,
        # The rate budget scaled like the interval (Slack's: 50 edits/min, 1 post/s): tests that
        # are about the budget set Slack's figures themselves.
        "edit_rate_per_min": 300.0,
        "post_rate_per_s": 5.0,
        "rate_limit_retries": 3,
        "slack_file_hosts": slack.root_url.rstrip("/"),  # the imitation serves url_private
    }
    settings = Settings(**{**values, **settings_changes})
    runtime = build_runtime(
        settings,
        runner_factory=runner_factory,
        devices=["cpu"],
        remote_runner_factory=remote_runner_factory,
    )
    app = create_app(runtime)
    start_engine(runtime)
    server = make_http_server(app, "127.0.0.1", 0, settings.listener_threads)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.port}/slack/events"
    sender = SlackSender(url, SIGNING_SECRET, imitation=slack)

    def stop_http() -> None:
        server.stop()

    def stop() -> None:
        stop_http()
        runtime.close()

    return Bot(runtime, slack, sender, url, stop, stop_http)


@pytest.fixture
def slack() -> Iterator[SlackImitation]:
    with SlackImitation(file_share_delay=0.2) as imitation:
        yield imitation


@pytest.fixture
def bot(tmp_path: Path, slack: SlackImitation, tiny_runner: ModelRunner) -> Iterator[Bot]:
    running = start_bot(tmp_path, slack, lambda device: tiny_runner)
    yield running
    running.stop()
