"""``dailies serve`` without Slack tokens: the playground, one process, one URL.

What runs: the Slack imitation (bot/playground/slack_api) as the Web API, the same Bolt app the
real bot runs served over HTTP on a loopback port and signed with a secret made for this run,
and the page server. The page's actions reach the app as the signed requests Slack would send,
so there is no second code path for any feature. Imports go handlers → bot: this module wires
bot/playground to the app (bot/ never imports handlers).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from typing import Any, TextIO

from bot.config import Settings
from bot.playground.page_server import PageServer
from bot.playground.people import APPROVER, START_CHANNELS
from bot.playground.saved import SavedPlayground
from bot.playground.slack_api import SlackImitation, SlackSender
from bot.playground.workspace import Workspace
from bot.runtime import Runtime, build_runtime
from handlers.app import create_app, make_http_server, start_engine

log = logging.getLogger(__name__)

TINY_BANNER = (
    "Tiny model family: these images are noise from random weights — the whole pipeline runs "
    "offline, but nothing here is art. For real images run on a machine with a CUDA GPU "
    "(DAILIES_MODELS=auto picks sdxl there) or set DAILIES_MODELS=sdxl."
)


def family_info(runtime: Runtime) -> dict[str, Any]:
    """What the page and the log say about the model family that runs."""
    name = runtime.family.name
    return {"family": name, "banner": TINY_BANNER if name == "tiny" else ""}


class Playground:
    """The running playground; ``start()`` returns the page URL, ``stop()`` ends everything."""

    def __init__(
        self,
        settings: Settings,
        host: str = "127.0.0.1",
        port: int = 3000,
        *,
        runner_factory: Any = None,
        devices: list[str] | None = None,
        file_share_delay: float = 0.1,
    ) -> None:
        self.slack = SlackImitation(bot_token="xoxb-playground", file_share_delay=file_share_delay)
        self.saved = SavedPlayground(settings.home / "playground")
        page = self.saved.load(self.slack)
        self.slack.start()
        secret = secrets.token_hex(16)
        self.runtime = build_runtime(
            settings.with_overrides(
                slack_bot_token=self.slack.bot_token,
                slack_app_token="",
                slack_signing_secret=secret,
                slack_api_url=self.slack.base_url,
                # Mask files the page uploads are served by the local Slack, not files.slack.com.
                slack_file_hosts=self.slack.root_url.rstrip("/"),
            ),
            runner_factory=runner_factory,
            devices=devices,
        )
        self.app = create_app(self.runtime)
        self.http = make_http_server(
            self.app, "127.0.0.1", 0, self.runtime.settings.listener_threads
        )
        app_url = f"http://127.0.0.1:{self.http.port}/slack/events"
        self.sender = SlackSender(
            app_url,
            secret,
            imitation=self.slack,
            timeout=30.0,
            first_id=int(time.time() * 1000),  # unique across restarts (event ids)
        )
        self.workspace = Workspace(self.slack, self.sender)
        self._fresh = page is None
        if page:
            self.workspace.restore(page)
        self.info = family_info(self.runtime)
        try:
            self.page = PageServer(self.workspace, self.info, host, port)
        except OSError as exc:
            self.http.stop()
            self.runtime.close()
            self.slack.stop()
            raise OSError(
                f"cannot serve the playground on {host}:{port} ({exc.strerror or exc}); "
                "pass another --port"
            ) from None
        self.url = self.page.url

    def start(self) -> str:
        threading.Thread(target=self.http.serve_forever, name="bolt-http", daemon=True).start()
        start_engine(self.runtime)
        if self._fresh:
            # One pretend person approves finals in #design, so permissions can be tried alone.
            self.workspace.command(
                APPROVER.id, START_CHANNELS["design"], "/dailies", f"approvers <@{APPROVER.id}>"
            )
        self.saved.start_saving(self.slack, self.workspace.page_state)
        log.info("playground: model family %s", self.info["family"])
        if self.info["banner"]:
            log.info("playground: %s", self.info["banner"])
        return self.page.start()

    def stop(self) -> None:
        self.page.stop()
        self.http.stop()
        self.runtime.close()
        self.saved.stop(self.slack, self.workspace.page_state())
        self.slack.stop()


def serve_playground(settings: Settings, host: str, port: int, out: TextIO) -> None:
    """Run until interrupted; prints the URL to open (and the family) on ``out``."""
    playground = Playground(settings, host, port)
    url = playground.start()
    print(f"dailies playground: open {url}  (model family: {playground.info['family']})", file=out)
    out.flush()
    stopped = threading.Event()
    try:
        stopped.wait()
    except KeyboardInterrupt:  # Ctrl-C is how a person ends the playground: no error
        pass
    finally:
        playground.stop()
