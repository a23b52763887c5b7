"""A job's results in Slack: uploads, the variants message, and the hooks of every image kind.

Every kind that renders images (draft, re-roll, retry, final…) shares this: the status message is
posted before workers may take the job (handlers/job_status.py, re-exported here), progress edits
are throttled, and results are uploaded, waited on and shown with image blocks. A job that ended
before all its images shows what it made (handlers/partial_results.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.brand.palette_store import get_palette
from bot.brand.result_lines import anchor_result_line, palette_result_lines
from bot.jobs import rows as jobs
from bot.jobs.events import JobHooks, NotPosted
from bot.jobs.model_lines import models_result_line
from bot.jobs.rows import Job
from bot.quality.flags import check_job_results
from bot.quality.notes import variant_notes
from bot.runtime import Runtime
from bot.slack import blocks, effects
from bot.slack.client import post_referencing_files, wait_until_shared
from bot.slack.posted import job_messages, record_posted
from bot.store.assets import asset_path, job_assets, set_slack_file
from handlers import partial_results
from handlers.job_status import (
    POST_ERRORS,
    announce,
    post_in_thread,
    refresh_queue_positions,
    update_status,
    whisper,
)

__all__ = [
    "NOT_REROLLABLE",
    "POST_ERRORS",
    "RESULT_EXTRAS",
    "announce",
    "channel_features",
    "image_job_hooks",
    "not_posted",
    "post_in_thread",
    "post_results",
    "refresh_queue_positions",
    "result_extras",
    "update_status",
    "upload_assets",
    "whisper",
]

log = logging.getLogger(__name__)

# Lines features add under a job's results (style anchor, palette…): name → fn(runtime, job,
# assets) returning Block Kit blocks. A failing one is logged and left out, never blocks results.
# The lines every result carries under its images, in order (see bot.brand.result_lines).
RESULT_EXTRAS: dict[str, Callable[[Runtime, Job, list[dict[str, Any]]], list[Any]]] = {
    "anchor": anchor_result_line,
    "palette": palette_result_lines,
    "models": models_result_line,
}
NOT_REROLLABLE = blocks.NOT_REROLLABLE


# (job, asset) -> (filename, title, alt text) of its upload.
Naming = Callable[[Job, dict[str, Any]], tuple[str, str, str]]


def image_naming(job: Job, asset: dict[str, Any]) -> tuple[str, str, str]:
    return (
        f"dailies-{job.id}-{asset['variant']}-seed{asset['seed']}.png",
        f"#{asset['variant']} · seed {asset['seed']}",
        f"Variant {asset['variant']} of “{job.params['prompt'][:900]}”",
    )


def upload_assets(
    runtime: Runtime, job: Job, assets: list[dict[str, Any]], naming: Naming = image_naming
) -> list[str]:
    """Upload the job's files into its thread, once each: a retry (after a failure or a crash)
    reuses the recorded file ids and re-uploads only files whose share never happened."""
    for asset in assets:
        if asset.get("slack_file_id"):
            continue
        filename, title, alt_text = naming(job, asset)
        file_id = effects.upload_once(
            runtime.client,
            runtime.store,
            job_id=job.id,
            step=f"upload:{asset['id']}",
            channel=job.channel_id or "",
            thread_ts=job.thread_ts,
            path=asset_path(runtime.settings.assets_dir, asset),
            filename=filename,
            title=title,
            alt_text=alt_text,
        )
        set_slack_file(runtime.store, asset["id"], file_id)
        asset["slack_file_id"] = file_id
    file_ids = [a["slack_file_id"] for a in assets]
    wait_until_shared(
        runtime.client, file_ids, job.channel_id, runtime.settings.file_share_timeout_s
    )
    return file_ids


def result_extras(runtime: Runtime, job: Job, assets: list[dict[str, Any]]) -> list[Any]:
    """The lines every feature adds under these results (every kind of result shows them)."""
    extra: list[Any] = []
    for name, build in RESULT_EXTRAS.items():
        try:
            extra.extend(build(runtime, job, assets))
        except Exception:
            log.exception("job %s: result lines %r failed", job.id, name)
    return extra


def channel_features(runtime: Runtime, channel_id: str) -> frozenset[str]:
    """What the channel has that some variant controls need (``blocks.controls``)."""
    return frozenset({blocks.PALETTE}) if get_palette(runtime.store, channel_id) else frozenset()


def post_results(runtime: Runtime, job: Job, assets: list[dict[str, Any]]) -> None:
    if job_messages(runtime.store, job.id):  # shown already (a later step failed last time)
        return
    file_ids = upload_assets(runtime, job, assets)
    extra = result_extras(runtime, job, assets)
    text, result_blocks = blocks.variants(
        job,
        assets,
        file_ids,
        extra=extra,
        rerollable=job.kind not in NOT_REROLLABLE,
        notes=variant_notes(runtime.store, assets),
        features=channel_features(runtime, job.channel_id),
    )
    ts = effects.post_once(
        runtime.client,
        runtime.store,
        job_id=job.id,
        step="variants",
        channel=job.channel_id or "",
        thread_ts=job.thread_ts,
        since=job.created_at,
        post=lambda meta: post_referencing_files(
            runtime.client,
            channel=job.channel_id or "",
            thread_ts=job.thread_ts,
            text=text,
            blocks=result_blocks,
            timeout=runtime.settings.file_share_timeout_s,
            metadata=meta,
        ),
    )
    # Remember where the variants are shown, with the lines features added then: votes re-render
    # this message, reactions on it vote.
    record_posted(runtime.store, job.id, job.channel_id or "", ts, extra=extra)


def image_job_hooks(
    runtime: Runtime,
    post: Callable[[Runtime, Job, list[dict[str, Any]]], None] = post_results,
    noun: str = "image",
) -> JobHooks:
    """Hooks for every kind whose results are posted in the thread: variants by default, or
    whatever ``post`` shows (clips, a FINAL), named ``noun`` in the person's messages."""

    def on_started(job: Job) -> None:
        runtime.throttle.allow(job.message_ts or "", force=True)
        runtime.queue_positions.pop(job.id, None)
        update_status(runtime, job)
        refresh_queue_positions(runtime)

    def on_progress(job: Job, done: int, total: int) -> None:
        if runtime.throttle.allow(job.message_ts or ""):
            update_status(runtime, job, progress=(done, total))

    def on_done(job: Job, assets: list[dict[str, Any]]) -> None:
        check_job_results(runtime.store, runtime.settings, job, assets)
        try:
            post(runtime, job, assets)
        except Exception as exc:  # Slack refused, timed out or was unreachable: nothing is lost
            not_posted(runtime, job, len(assets), noun, exc)
            raise NotPosted(slack_error(exc)) from exc
        update_status(runtime, job)  # "Done" only now that the results are visible

    def on_failed(job: Job, message: str) -> None:
        try:
            partial_results.report_failed(runtime, job, message, post, noun)
        except Exception as exc:
            made = len(job_assets(runtime.store, job.id))
            if not made:
                raise  # nothing to lose: the failure notice is tried again on the schedule
            # The images made before the failure are saved: the root says so, with Post again.
            not_posted(runtime, job, made, noun, exc)
            raise NotPosted(slack_error(exc)) from exc

    def on_cancelled(job: Job) -> None:
        partial_results.report_cancelled(runtime, job, post, noun)

    return JobHooks(on_started, on_progress, on_done, on_failed, on_cancelled)


def slack_error(exc: BaseException) -> str:
    """What went wrong talking to Slack, in a few words."""
    if isinstance(exc, SlackApiError):
        return f"{exc.response.get('error')} (HTTP {exc.response.status_code})"
    return f"{type(exc).__name__}: {str(exc)[:200]}".rstrip(": ")


def not_posted(runtime: Runtime, job: Job, count: int, noun: str, exc: BaseException) -> None:
    """Say the truth where it can be said: the root shows "made, not yet posted" with a Post
    again button, and the person hears it privately (once). Slack may still refuse both; the
    retry schedule and the next start try again either way."""
    error = slack_error(exc)
    log.warning("job %s: %d %s(s) made but not posted: %s", job.id, count, noun, error)
    current = jobs.get_job(runtime.store, job.id)
    last_try = current.delivery_attempts + 1 >= runtime.settings.delivery_retries
    plural = f"{count} {noun}{'s' if count != 1 else ''}"
    later = (
        "Press *Post again* to try again."
        if last_try
        else "I'll keep trying, or press *Post again*."
    )
    note = f"{plural} saved · Slack said {error} · {later}"
    try:
        update_status(runtime, current, note=note, post_again=True)
    except Exception as update_exc:
        log.warning("job %s: could not show 'not yet posted': %s", job.id, slack_error(update_exc))
    if current.delivery_attempts == 0 or last_try:
        whisper(runtime, job.channel_id, job.user_id, job.thread_ts)(
            f":warning: Your {plural} for “{blocks.escape(job.params.get('prompt', '')[:200])}” "
            f"{'was' if count == 1 else 'were'} made and saved, but Slack would not take "
            f"{'it' if count == 1 else 'them'} ({error}). {later}"
        )
