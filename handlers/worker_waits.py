"""Queued jobs say why they wait when no worker can take them (a Ray cluster that went away, or
workers still starting), and drop the line when workers answer again.

Without it a queued draft reads "Queued · position 1" for as long as the cluster is down, which
looks like a hung bot; with it the person knows their job is safe and will start by itself.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.jobs import rows as jobs
from bot.runtime import Runtime
from handlers.job_status import QUEUE_REFRESH_LIMIT, update_status

log = logging.getLogger(__name__)


def show_waiting(runtime: Runtime) -> None:
    """Re-render the first queued jobs' status messages with the engine's current reason."""
    waiting = runtime.engine.waiting_for()
    for position, job_id in enumerate(jobs.queue_order(runtime.store)[:QUEUE_REFRESH_LIMIT], 1):
        job = jobs.get_job(runtime.store, job_id)
        if job.source != "slack" or job.status != jobs.QUEUED:
            continue
        try:
            update_status(runtime, job, position=position, waiting=waiting)
            runtime.queue_positions[job_id] = position
        except SlackApiError as exc:
            log.warning("job %s: could not say why it waits: %s", job_id, exc.response.get("error"))


def register(app: App, runtime: Runtime) -> None:
    def changed(_reason: str | None) -> None:
        # Called on a worker thread: the edits go through the bot's own executor.
        if runtime.announcer is not None:
            runtime.announcer.submit(show_waiting, runtime)

    runtime.engine.on_waiting_change = changed
