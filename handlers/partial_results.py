"""A job that ended before all its images: what was finished is shown, never thrown away.

A cancelled job and a failed one (the model raised on variant 3 of 4, the job ran past its time
limit, a hung step was abandoned) both keep every image saved before the end (bot/jobs/
generation.py saves each as it is decoded). Here those images are posted in the thread like any
results, under a plain line saying how far the job got and why it stopped; the root never says
"Done" for such a job.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.jobs.executors import EXECUTORS
from bot.jobs.generation import run_generation_job
from bot.jobs.rows import Job
from bot.quality.flags import check_job_results
from bot.runtime import Runtime
from bot.slack import blocks
from bot.store.assets import job_assets
from handlers.job_status import post_in_thread, update_status

Post = Callable[[Runtime, Job, list[dict[str, Any]]], None]


def planned_count(job: Job, made: list[dict[str, Any]]) -> int:
    """How many images the job was asked for (one per seed)."""
    return max(len(job.params.get("seeds") or []), len(made))


def missing_variants(job: Job, made: list[dict[str, Any]]) -> list[int]:
    """The variant numbers the job was asked for and did not make, in order."""
    numbers = job.params.get("variants") or range(1, planned_count(job, made) + 1)
    have = {a["variant"] for a in made}
    return [n for n in numbers if n not in have]


def plural(count: int, noun: str) -> str:
    return f"{noun}{'s' if count != 1 else ''}"


def failed_summary(job: Job, made: list[dict[str, Any]], message: str, noun: str) -> str:
    """ "2 of 4 images made · variant 3 failed: <reason>" — how far a failed job got."""
    planned = planned_count(job, made)
    missing = missing_variants(job, made)
    which = "variant" if noun == "image" else noun
    where = f"{which} {missing[0]} failed" if missing else "it failed"
    return f"{len(made)} of {planned} {plural(planned, noun)} made · {where}: {message}"


def rest_params(job: Job, made: list[dict[str, Any]]) -> dict[str, Any]:
    """A Retry's params: for a generation job that made some of its variants, only the others
    (same seeds, same variant numbers); otherwise the whole job again."""
    missing = missing_variants(job, made)
    if not made or not missing or EXECUTORS.get(job.kind) is not run_generation_job:
        return job.params
    seed_of = dict(
        zip(
            job.params.get("variants") or range(1, 1 + len(job.params["seeds"])),
            job.params["seeds"],
            strict=True,
        )
    )
    return {**job.params, "seeds": [seed_of[n] for n in missing], "variants": missing}


def report_failed(runtime: Runtime, job: Job, message: str, post: Post, noun: str) -> None:
    """The failure in the thread with a Retry button; the images finished before it (if any)
    posted under it like normal results, and the root saying both. Raises when Slack refuses,
    so the delivery is tried again (each step is posted once: a retry finds what was done)."""
    made = job_assets(runtime.store, job.id) if job.message_ts else []
    if not made:
        update_status(runtime, job)
        post_in_thread(runtime, job, blocks.failure(job, message), step="failure")
        return
    summary = failed_summary(job, made, message, noun)
    rest = len(missing_variants(job, made))
    made_line = summary.split(" · ")[0]
    update_status(runtime, job, note=f"{made_line} · the finished ones are in the thread")
    post_in_thread(
        runtime, job, blocks.failure(job, summary, retry_count=rest or None), step="failure"
    )
    check_job_results(runtime.store, runtime.settings, job, made)
    post(runtime, job, made)


def report_cancelled(runtime: Runtime, job: Job, post: Post, noun: str) -> None:
    """A cancelled job's finished images, posted with how far it got."""
    made = job_assets(runtime.store, job.id) if job.message_ts else []
    if not made:
        update_status(runtime, job)
        return
    planned = planned_count(job, made)
    note = f"Cancelled after {len(made)} of {planned} {plural(planned, noun)}"
    update_status(runtime, job, note=f"{note} · the finished ones are in the thread")
    post_in_thread(
        runtime, job, blocks.notice(f":no_entry_sign: {note}; here they are."), step="cancelled"
    )
    check_job_results(runtime.store, runtime.settings, job, made)
    try:
        post(runtime, job, made)
    except SlackApiError as exc:
        reason = f"posting the finished {noun}s failed: {exc.response.get('error')}"
        post_in_thread(runtime, job, blocks.notice(f":warning: {reason}"))
