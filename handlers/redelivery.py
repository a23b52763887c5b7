"""Showing outcomes that were made but not yet shown: at start-up (jobs finished or accepted
just before a stop), on the retry schedule, and when someone presses Post again."""

from __future__ import annotations

from bot.jobs import rows as jobs
from bot.jobs.rows import Job
from bot.runtime import Runtime
from bot.store.assets import job_assets
from handlers.job_messages import announce


def report_unreported(runtime: Runtime) -> None:
    """Jobs that finished while nothing could show it (the bot stopped after the work and before
    the post): show their outcome now, from the saved files and rows."""
    for job in jobs.unreported_jobs(runtime.store, "slack"):
        report_job(runtime, job)


def resume_held(runtime: Runtime) -> None:
    """Jobs accepted just before a crash, whose status message was never posted: post it now."""
    for job in jobs.held_jobs(runtime.store):
        announce(runtime, job, job.thread_ts)


def report_job(runtime: Runtime, job: Job) -> None:
    """Show a finished job's outcome (again), from its saved files and rows."""
    if job.status == jobs.DONE:
        runtime.events.done(job, job_assets(runtime.store, job.id))
    elif job.status == jobs.FAILED:
        runtime.events.failed(job, job.error or "the job failed")
    else:
        runtime.events.cancelled(job)


def report_due(runtime: Runtime) -> None:
    """The retry schedule: results whose next try is due are posted again (leased, so a try
    still running in the outbox is not started twice)."""
    lease = max(60.0, 3 * runtime.settings.file_share_timeout_s)
    for job in jobs.claim_due_deliveries(runtime.store, "slack", lease):
        report_job(runtime, job)
