"""Buttons on job messages: Cancel (queued or running), Retry (failed), Re-roll (new seeds)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.jobs import rows as jobs
from bot.jobs.params import reroll_params
from bot.review.channel_settings import may_cancel
from bot.runtime import Runtime
from bot.slack import blocks
from bot.store.assets import job_assets
from handlers.ephemeral import tell
from handlers.job_messages import announce, refresh_queue_positions, update_status
from handlers.partial_results import rest_params


def first_click(runtime: Runtime, body: dict[str, Any]) -> bool:
    """Slack may deliver one click twice; only the first acts."""
    action = body["actions"][0]
    return runtime.store.first_delivery(f"action:{action['action_ts']}:{body['user']['id']}")


def _job_from(runtime: Runtime, body: dict[str, Any], respond: Respond) -> jobs.Job | None:
    job = jobs.find_job(runtime.store, int(body["actions"][0]["value"]))
    if job is None:
        tell(respond, "That job no longer exists.")
    return job


def register(app: App, runtime: Runtime) -> None:
    @app.action(blocks.CANCEL_JOB)
    def cancel(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        if not first_click(runtime, body) or (job := _job_from(runtime, body, respond)) is None:
            return
        if job.status in jobs.FINISHED:
            tell(respond, f"That job is already {job.status}.")
            return
        user = body["user"]["id"]
        if not may_cancel(runtime.store, job.channel_id, job.user_id, user):
            tell(
                respond,
                f"Only <@{job.user_id}> (who asked for it) or this channel's approvers "
                "can cancel this job.",
            )
            return
        job = runtime.engine.cancel(job.id, user)

        def show_cancel() -> None:
            """After the job's own edits (same outbox), and only if it has not finished since:
            a late "Cancelling…" must never overwrite "Done"."""
            current = jobs.get_job(runtime.store, job.id)
            if current.status == jobs.RUNNING:
                note = f"Cancelling at the next step (asked by <@{user}>)…"
                update_status(runtime, current, note=note)
            refresh_queue_positions(runtime)  # everyone behind a cancelled job moves up

        if runtime.outbox is not None:
            runtime.outbox.submit(show_cancel)
        else:
            show_cancel()

    @app.action(blocks.RETRY_JOB)
    def retry(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        if not first_click(runtime, body) or (job := _job_from(runtime, body, respond)) is None:
            return
        # A job that made some of its images before it failed retries only the others.
        params = rest_params(job, job_assets(runtime.store, job.id))
        again = follow_up(runtime, job, body["user"]["id"], params, attempt=job.attempt + 1)
        announce(runtime, again, job.thread_ts, tell=lambda text: tell(respond, text))

    @app.action(blocks.REROLL)
    def reroll(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        if not first_click(runtime, body) or (job := _job_from(runtime, body, respond)) is None:
            return
        again = follow_up(runtime, job, body["user"]["id"], reroll_params(job.params))
        announce(runtime, again, job.thread_ts, tell=lambda text: tell(respond, text))


def follow_up(
    runtime: Runtime, job: jobs.Job, user_id: str, params: dict[str, Any], attempt: int = 1
) -> jobs.Job:
    """A new held job of the same kind in the same thread, remembering the job it came from."""
    return jobs.create_job(
        runtime.store,
        job.kind,
        params,
        user_id=user_id,
        channel_id=job.channel_id,
        thread_ts=job.thread_ts,
        parent_job_id=job.id,
        attempt=attempt,
        held=True,
        priority=job.priority,
    )
