"""A job's life in Slack: its status message, progress edits, and the results in the thread.

Every kind that renders images (draft, re-roll, retry, final…) shares this: the status message is
posted before workers may take the job (so even a very fast job has a message to finish into),
progress edits are throttled, and results are uploaded, waited on and shown with image blocks.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
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


INVITE_ME = "invite me with `/invite @dailies`, then try again."
POST_ERRORS = {
    "not_in_channel": f"I'm not in this channel yet: {INVITE_ME}",
    "channel_not_found": f"I can't see this channel: {INVITE_ME}",
    "is_archived": "This channel is archived, so I can't post here.",
    "thread_not_found": "That thread no longer exists.",
    "restricted_action": "This workspace doesn't let me post here.",
}


# Tries at a new job's status post while Slack answers 429/5xx before the job is failed.
ANNOUNCE_TRIES = 6


def announce(
    runtime: Runtime,
    job: Job,
    thread_ts: str | None,
    tell: Callable[[str], None] | None = None,
) -> Job:
    """Post the job's status message (a new thread root when ``thread_ts`` is None, else a reply
    in that thread), record where it lives, and hand the job to the workers.

    When Slack refuses the post, the job is closed as failed (it must not wait forever, held) and
    ``tell`` gives the person the reason privately (by default an ephemeral message, which a
    slash command can do better through its response_url when the bot is not in the channel).
    """
    if runtime.announcer is not None:  # off the listener thread: a slow Slack never holds acks

        def post() -> None:
            try:
                _announce(runtime, job, thread_ts, tell)
            except Exception:  # it stays held and is posted at the next start
                log.exception("job %s: posting its status message failed", job.id)

        runtime.announcer.submit(post)
        return job
    return _announce(runtime, job, thread_ts, tell)


def _announce(
    runtime: Runtime, job: Job, thread_ts: str | None, tell: Callable[[str], None] | None
) -> Job:
    text, status_blocks = blocks.job_status(replace(job, status=jobs.QUEUED))
    try:
        # Once only: a status post cut short by a crash is found again by its metadata.
        message_ts = effects.post_once(
            runtime.client,
            runtime.store,
            job_id=job.id,
            step="status",
            channel=job.channel_id or "",
            thread_ts=thread_ts,
            since=job.created_at,
            post=lambda meta: (
                runtime.client.chat_postMessage(
                    channel=job.channel_id,
                    thread_ts=thread_ts,
                    text=text,
                    blocks=status_blocks,
                    metadata=meta,
                ).data
            ),
        )
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        tries = runtime.announce_tries.get(job.id, 0) + 1
        transient = exc.response.status_code in (429, 500, 502, 503, 504)
        if transient and runtime.announcer is not None and tries < ANNOUNCE_TRIES:
            # Slack is busy, not refusing: the job stays held and its status post is tried
            # again shortly (post_once finds it if this try did reach Slack after all).
            runtime.announce_tries[job.id] = tries
            log.warning("job %s: status post got %s; trying again", job.id, error)
            again = threading.Timer(2.0**tries, announce, (runtime, job, thread_ts, tell))
            again.daemon = True
            again.start()
            return job
        runtime.announce_tries.pop(job.id, None)
        reason = f"could not post to Slack: {error}"
        job = jobs.finish_job(runtime.store, job.id, jobs.FAILED, reason)
        jobs.mark_reported(runtime.store, job.id)
        log.warning("job %s: Slack refused its status message: %s", job.id, error)
        (tell or whisper(runtime, job.channel_id, job.user_id, thread_ts))(
            f":warning: {POST_ERRORS.get(error, f'Slack refused my message ({error}).')} "
            "Nothing was queued."
        )
        return job
    job = jobs.release_job(
        runtime.store, job.id, thread_ts=thread_ts or message_ts, message_ts=message_ts
    )
    position = jobs.queue_position(runtime.store, job.id)
    if position and (position > 1 or jobs.running_count(runtime.store)):
        update_status(runtime, job, position=position)
        runtime.queue_positions[job.id] = position
    runtime.engine.wake()
    return job


def whisper(
    runtime: Runtime, channel: str | None, user: str | None, thread_ts: str | None
) -> Callable[[str], None]:
    """A private note to one person in a channel; a note Slack refuses is logged, not raised."""

    def say(text: str) -> None:
        if not channel or not user:
            return
        try:
            runtime.client.chat_postEphemeral(
                channel=channel, user=user, thread_ts=thread_ts, text=text
            )
        except SlackApiError as exc:
            log.warning("could not tell %s in %s: %s", user, channel, exc.response.get("error"))

    return say


QUEUE_REFRESH_LIMIT = 10


def refresh_queue_positions(runtime: Runtime) -> None:
    """A job started, so everyone behind it moved up: edit the queued status messages whose
    position changed (the first few only — chat.update is rate limited)."""
    shown = runtime.queue_positions
    for position, job_id in enumerate(jobs.queue_order(runtime.store)[:QUEUE_REFRESH_LIMIT], 1):
        if shown.get(job_id) == position:
            continue
        job = jobs.get_job(runtime.store, job_id)
        if job.source != "slack":
            continue
        try:
            update_status(runtime, job, position=position)
            shown[job_id] = position
        except SlackApiError:
            log.warning("could not refresh the queue position of job %s", job_id)


def update_status(runtime: Runtime, job: Job, **kwargs: Any) -> None:
    if not job.message_ts:
        return
    text, status_blocks = blocks.job_status(job, **kwargs)
    # Within the chat.update budget: deferred and merged with later edits when it is spent.
    runtime.edits.update(job.channel_id, job.message_ts, text=text, blocks=status_blocks)


def post_in_thread(
    runtime: Runtime,
    job: Job,
    message: tuple[str, list[dict[str, Any]]],
    step: str | None = None,
) -> dict[str, Any]:
    """A reply in the job's thread; with a ``step`` it is posted once however often this runs
    (a retry after a crash or a failed later step finds the first one)."""
    text, message_blocks = message

    def send(meta: dict[str, Any] | None = None) -> dict[str, Any]:
        return runtime.client.chat_postMessage(
            channel=job.channel_id,
            thread_ts=job.thread_ts,
            text=text,
            blocks=message_blocks,
            metadata=meta,
        ).data  # type: ignore[return-value]

    if step is None:
        return send()
    ts = effects.post_once(
        runtime.client,
        runtime.store,
        job_id=job.id,
        step=step,
        channel=job.channel_id or "",
        thread_ts=job.thread_ts,
        since=job.created_at,
        post=send,
    )
    return {"channel": job.channel_id, "ts": ts}


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
        update_status(runtime, job)
        post_in_thread(runtime, job, blocks.failure(job, message), step="failure")

    def on_cancelled(job: Job) -> None:
        made = job_assets(runtime.store, job.id) if job.message_ts else []
        if not made:
            update_status(runtime, job)
            return
        # What was finished before the cancel is saved: show it rather than throw it away.
        planned = max(len(job.params.get("seeds") or []), len(made))
        note = f"Cancelled after {len(made)} of {planned} {noun}{'s' if planned != 1 else ''}"
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
