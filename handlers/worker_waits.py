"""Queued jobs say why they wait when no worker can take them (a Ray cluster that went away, or
workers still starting), and drop the line when workers answer again.

Without it a queued draft reads "Queued · position 1" for as long as the cluster is down, which
looks like a hung bot; with it the person knows their job is safe and will start by itself.
"""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime
from handlers.job_status import refresh_queue_positions


def register(app: App, runtime: Runtime) -> None:
    def changed(_reason: str | None) -> None:
        # Called on a worker thread: the edits go through the bot's own executor; each queued
        # message picks up the engine's reason in update_status.
        if runtime.announcer is not None:
            runtime.announcer.submit(refresh_queue_positions, runtime, all_shown=True)

    runtime.engine.on_waiting_change = changed
