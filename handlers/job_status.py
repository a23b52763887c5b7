"""A job's status message in Slack: posting it (which hands the job to the workers), editing
it as the job moves up the queue and runs, and replies in its thread.

Split from handlers/job_messages.py (results and hooks), which re-exports these names.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.jobs import rows as jobs
from bot.jobs.rows import Job
from bot.runtime import Runtime
from bot.slack import blocks, effects

log = logging.getLogger(__name__)

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
    waiting = runtime.engine.waiting_for()
    text, status_blocks = blocks.job_status(replace(job, status=jobs.QUEUED), waiting=waiting)
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
    if position and (position > 1 or jobs.running_count(runtime.store) or waiting):
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


def refresh_queue_positions(runtime: Runtime, *, all_shown: bool = False) -> None:
    """A job started, so everyone behind it moved up: edit the queued status messages whose
    position changed (the first few only — chat.update is rate limited). ``all_shown``: edit
    them whatever their position, because what they say around it changed (workers gone or
    back, see handlers/worker_waits.py)."""
    shown = runtime.queue_positions
    for position, job_id in enumerate(jobs.queue_order(runtime.store)[:QUEUE_REFRESH_LIMIT], 1):
        if shown.get(job_id) == position and not all_shown:
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
    if job.status == jobs.QUEUED:  # why it has not started, when no worker can take it
        kwargs.setdefault("waiting", runtime.engine.waiting_for())
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
