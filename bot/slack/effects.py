"""Slack side effects that happen once, even across crashes and retries.

A job's status post, its uploads and its variants message are each a row in ``slack_effects``
written *before* the call (``pending``: the call may have happened) and marked ``done`` after it
with what Slack answered (the message ts, the file id). A retry — after a 500, a timeout or a
kill -9 — reads the row first:

* ``done``: the effect exists; reuse its ts / file id.
* ``pending`` message: Slack may have posted it before the process died. Every message is posted
  with ``metadata`` naming the job and step, so ``conversations.replies`` (a thread reply) or
  ``conversations.history`` (a thread root) finds it; only when it is not there is it posted.
* ``pending`` upload: the file id is recorded as soon as Slack hands it out; ``files.info``
  says whether its completion (the share) happened, else the file stays private and the upload
  is made again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.store.database import Store

log = logging.getLogger(__name__)

PENDING, DONE = "pending", "done"
EVENT_TYPE = "dailies_job_message"
# Test seam: called with the step name between writing a row and making its call, and again
# after the call, before marking it done ("before:status", "after:variants"…). A test that stops
# the process there sees exactly what a kill -9 at that moment leaves behind.
checkpoint: Callable[[str], None] = lambda name: None  # noqa: E731


def effect(store: Store, job_id: int, step: str) -> dict[str, Any] | None:
    rows = list(store.db["slack_effects"].rows_where("job_id = ? AND step = ?", [job_id, step]))
    return rows[0] if rows else None


def record(store: Store, job_id: int, step: str, state: str, **values: Any) -> None:
    with store.write() as db:
        db["slack_effects"].upsert(
            {"job_id": job_id, "step": step, "state": state, "updated_at": time.time(), **values},
            pk=("job_id", "step"),
        )


def forget(store: Store, job_id: int, step: str) -> None:
    """The effect is to be made anew (a new variants message after the old one was deleted…)."""
    with store.write() as db:
        db.execute("DELETE FROM slack_effects WHERE job_id = ? AND step = ?", [job_id, step])


def metadata(job_id: int, step: str) -> dict[str, Any]:
    return {"event_type": EVENT_TYPE, "event_payload": {"job_id": job_id, "step": step}}


def find_posted(
    client: WebClient,
    channel: str,
    thread_ts: str | None,
    job_id: int,
    step: str,
    since: float,
) -> str | None:
    """The ts of a message this job's ``step`` already posted, found by its metadata."""
    wanted = metadata(job_id, step)["event_payload"]
    try:
        if thread_ts:
            response = client.conversations_replies(
                channel=channel, ts=thread_ts, include_all_metadata=True, limit=200
            )
        else:
            response = client.conversations_history(
                channel=channel, oldest=f"{since - 1:.6f}", include_all_metadata=True, limit=200
            )
    except SlackApiError as exc:
        error = exc.response.get("error")
        log.warning("job %s: could not look for its %s message: %s", job_id, step, error)
        raise
    for message in response.get("messages") or []:
        meta = message.get("metadata") or {}
        if meta.get("event_type") == EVENT_TYPE and meta.get("event_payload") == wanted:
            return str(message["ts"])
    return None


def post_once(
    client: WebClient,
    store: Store,
    *,
    job_id: int,
    step: str,
    channel: str,
    thread_ts: str | None,
    since: float,
    post: Callable[[dict[str, Any]], dict[str, Any]],
) -> str:
    """Post a job's message at most once; ``post(metadata)`` makes the call and returns Slack's
    answer. Returns the message ts (the recorded one when the message already exists)."""
    row = effect(store, job_id, step)
    if row and row["state"] == DONE and row["ts"]:
        return str(row["ts"])
    if row and row["state"] == PENDING:
        found = find_posted(client, channel, thread_ts, job_id, step, since)
        if found:
            log.info("job %s: its %s message was already posted (%s)", job_id, step, found)
            record(store, job_id, step, DONE, channel_id=channel, ts=found)
            return found
    record(store, job_id, step, PENDING, channel_id=channel)
    checkpoint(f"before:{step}")
    answer = post(metadata(job_id, step))
    checkpoint(f"after:{step}")
    ts = str(answer["ts"])
    record(store, job_id, step, DONE, channel_id=channel, ts=ts)
    return ts


def upload_once(
    client: WebClient,
    store: Store,
    *,
    job_id: int,
    step: str,
    channel: str,
    thread_ts: str | None,
    path: Path,
    filename: str,
    title: str,
    alt_text: str,
) -> str:
    """files_upload_v2's three steps, with the file id recorded between them: a retry reuses a
    file whose completion went through and re-uploads one that stayed private. Returns its id."""
    row = effect(store, job_id, step)
    if row and row["state"] == DONE and row["file_id"]:
        return str(row["file_id"])
    if row and row["state"] == PENDING and row["file_id"]:
        try:
            client.files_info(file=row["file_id"])
        except SlackApiError as exc:
            if exc.response.get("error") != "file_not_found":
                raise
        else:  # completed before the stop: it is (or is about to be) shared
            record(store, job_id, step, DONE, channel_id=channel, file_id=row["file_id"])
            return str(row["file_id"])
    data = path.read_bytes()
    answer = client.files_getUploadURLExternal(
        filename=filename, length=len(data), alt_txt=alt_text
    )
    file_id = str(answer["file_id"])
    record(store, job_id, step, PENDING, channel_id=channel, file_id=file_id)
    sent = client._upload_file(  # slack_sdk's own step 2 of files_upload_v2
        url=answer["upload_url"],
        data=data,
        logger=client._logger,
        timeout=client.timeout,
        proxy=client.proxy,
        ssl=client.ssl,
    )
    if sent.status != 200:
        raise UploadFailed(f"the file upload was refused (HTTP {sent.status})")
    checkpoint(f"before:{step}")
    client.files_completeUploadExternal(
        files=[{"id": file_id, "title": title}], channel_id=channel, thread_ts=thread_ts
    )
    checkpoint(f"after:{step}")
    record(store, job_id, step, DONE, channel_id=channel, file_id=file_id)
    return file_id


class UploadFailed(Exception):
    """The upload step of files_upload_v2 (raw bytes to the upload URL) did not succeed."""
