"""/draft and @dailies: parse, record a held job, ack, then post its status message.

The ack goes out right after the row is written (well inside Slack's 3 s); posting the status
message and waking a worker happen after the ack, so a busy worker never slows the answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.brand.draft_flags import prepare_draft
from bot.jobs import rows as jobs
from bot.jobs.draft_options import OptionsError
from bot.jobs.model_choice import lora_params
from bot.jobs.params import draft_params
from bot.jobs.rows import Job
from bot.review.iteration import next_iteration
from bot.runtime import Runtime
from bot.slack import blocks
from bot.slack.text import plain_text
from bot.store.database import StoreBusy
from handlers.ephemeral import tell
from handlers.job_messages import announce, image_job_hooks
from handlers.replays import PRE_ACK_WRITE_S, TRIGGER_UNCHECKED

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
log = logging.getLogger(__name__)
BUSY_DRAFT = (
    "(The database is busy for a moment: your status message follows as soon as it's free.)"
)


def draft_job_params(
    runtime: Runtime,
    text: str,
    channel_id: str,
    thread_ts: str | None,
    team_id: str | None = None,
) -> dict[str, Any]:
    """Validate a draft and make its params (reads only); raises OptionsError with a message
    for the person."""
    brand = prepare_draft(runtime.store, team_id, text, frozenset({"anchor", "recipe", "lora"}))
    family = runtime.family_for(channel_id)
    params = draft_params(brand.options, runtime.settings, family, tier=brand.tier)
    params.update(brand.params)
    params.update(
        lora_params(
            runtime.settings,
            runtime.store,
            channel_id,
            brand.extras.get("lora"),
            family,
            brand.tier,
            params["prompt"],
        )
    )
    if thread_ts:  # a mention in a thread that already has drafts is its next version
        params["iteration"] = next_iteration(runtime.store, channel_id, thread_ts)
    return params


def record_draft(
    runtime: Runtime,
    text: str,
    user_id: str,
    channel_id: str,
    thread_ts: str | None,
    team_id: str | None = None,
) -> Job:
    """Validate and record a draft job (held); raises OptionsError with a message for the person."""
    params = draft_job_params(runtime, text, channel_id, thread_ts, team_id)
    job = _create(runtime, params, user_id, channel_id, thread_ts)
    assert job is not None  # only a replay check makes None, and none is owed here
    return job


def _create(
    runtime: Runtime,
    params: dict[str, Any],
    user_id: str,
    channel_id: str,
    thread_ts: str | None,
    *,
    delivery: str | None = None,
    timeout: float | None = None,
) -> Job | None:
    """Record the held job; with a ``delivery`` key (a replay check still owed) only if that
    key is new, in the same transaction, so a replayed command never makes a second job
    (None: it was a replay)."""
    with runtime.store.write(timeout):
        if delivery is not None and not runtime.store.first_delivery(delivery):
            return None
        return jobs.create_job(
            runtime.store,
            "draft",
            params,
            user_id=user_id,
            channel_id=channel_id,
            thread_ts=thread_ts,
            held=True,
        )


def record_when_free(
    runtime: Runtime,
    params: dict[str, Any],
    user_id: str,
    channel_id: str,
    delivery: str | None,
    tell_person: Callable[[str], None],
) -> None:
    """After the ack, when the database was busy: record the draft (waiting for the lock as
    long as any write does) and post its status message; the person hears if it never could."""
    try:
        job = _create(runtime, params, user_id, channel_id, None, delivery=delivery)
    except Exception:
        log.exception("recording a draft after a busy database failed")
        tell_person(":warning: The database stayed busy, so your draft was not queued. Try again.")
        return
    if job is not None:
        announce(runtime, job, None, tell=tell_person)


def register(app: App, runtime: Runtime) -> None:
    runtime.events.register(["draft"], image_job_hooks(runtime))

    @app.command("/draft")
    def draft_command(
        ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
    ) -> None:
        text = plain_text(body.get("text", ""))
        if not text.strip():
            message_text, message_blocks = blocks.help_message()
            ack(text=message_text, blocks=message_blocks)
            return
        from handlers.private_drafts import dm_channel, split_private

        text, private = split_private(text)
        user = body["user_id"]
        try:
            channel = dm_channel(runtime.client, user) if private else body["channel_id"]
            params = draft_job_params(runtime, text, channel, None, body.get("team_id"))
        except OptionsError as exc:
            message_text, message_blocks = blocks.error_with_usage(str(exc))
            ack(text=message_text, blocks=message_blocks)
            return
        said = ":lock: Drafting privately: the results are in your DM with me." if private else None
        delivery = context.get(TRIGGER_UNCHECKED)
        tell_person: Callable[[str], None] = lambda text: tell(respond, text)  # noqa: E731
        try:
            # Bounded: a writer holding the database must not make this miss its 3 s ack. When
            # the replay check already found it busy, the draft waits after the ack at once.
            if delivery is not None:
                raise StoreBusy("the replay check found the database busy")
            job = _create(runtime, params, user, channel, None, timeout=PRE_ACK_WRITE_S)
        except StoreBusy:
            ack(text=f"{said or ':art: Drafting.'} {BUSY_DRAFT}")
            later = (runtime, params, user, channel, delivery, tell_person)
            if runtime.announcer is None:
                record_when_free(*later)
            else:
                runtime.announcer.submit(record_when_free, *later)
            return
        if job is None:  # a replay, found in the same transaction as the job would have been
            ack()
            return
        if said:
            ack(text=said)
        else:
            ack()
        announce(runtime, job, None, tell=tell_person)

    @app.event("app_mention")
    def mention(body: dict[str, Any], event: dict[str, Any], client: Any) -> None:
        if not runtime.store.first_delivery(f"event:{body.get('event_id') or event['ts']}"):
            return
        text = plain_text(_MENTION.sub("", event.get("text", ""))).strip()
        thread_ts = event.get("thread_ts")
        try:
            if not text:
                raise OptionsError("Tell me what to draw after the mention.")
            job = record_draft(
                runtime, text, event["user"], event["channel"], thread_ts, body.get("team_id")
            )
        except OptionsError as exc:
            message_text, message_blocks = blocks.error_with_usage(str(exc))
            client.chat_postEphemeral(
                channel=event["channel"],
                user=event["user"],
                thread_ts=thread_ts,
                text=message_text,
                blocks=message_blocks,
            )
            return
        announce(runtime, job, thread_ts)
