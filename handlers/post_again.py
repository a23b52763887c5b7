"""Post again: results that were made but never shown (Slack refused, timed out, or was down
past every retry) are posted when the person asks, from the saved files and rows."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.jobs import rows as jobs
from bot.runtime import Runtime
from bot.slack import blocks
from handlers.ephemeral import tell
from handlers.job_controls import first_click
from handlers.redelivery import report_job


def register(app: App, runtime: Runtime) -> None:
    @app.action(blocks.POST_AGAIN)
    def post_again(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        if not first_click(runtime, body):
            return
        job = jobs.find_job(runtime.store, int(body["actions"][0]["value"]))
        if job is None:
            tell(respond, "That job no longer exists.")
            return
        if job.reported_at is not None:
            tell(respond, "Those results are already posted in the thread.")
            return
        if job.status not in jobs.FINISHED:
            tell(respond, f"That job is still {job.status}; its results will follow.")
            return
        report_job(runtime, job)  # through the outbox, behind any try already queued
