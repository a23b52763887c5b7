"""A slash command Slack delivers twice (a retry, a replayed request) makes one job: the second
delivery of a ``trigger_id`` is acknowledged and dropped before any listener sees it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse

from bot.runtime import Runtime


def register(app: App, runtime: Runtime) -> None:
    @app.middleware
    def once_per_trigger(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
        trigger = body.get("trigger_id") if body.get("command") else None
        if trigger and not runtime.store.first_delivery(f"command:{trigger}"):
            return BoltResponse(status=200, body="")
        next()
        return None
