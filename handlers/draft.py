"""/draft and @dailies: parse, record a held job, ack, then post its status message.

The ack goes out right after the row is written (well inside Slack's 3 s); posting the status
message and waking a worker happen after the ack, so a busy worker never slows the answer.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, Respond

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
from handlers.ephemeral import tell
from handlers.job_messages import announce, image_job_hooks

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def record_draft(
    runtime: Runtime,
    text: str,
    user_id: str,
    channel_id: str,
    thread_ts: str | None,
    team_id: str | None = None,
) -> Job:
    """Validate and record a draft job (held); raises OptionsError with a message for the person."""
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
    return jobs.create_job(
        runtime.store,
        "draft",
        params,
        user_id=user_id,
        channel_id=channel_id,
        thread_ts=thread_ts,
        held=True,
    )


def register(app: App, runtime: Runtime) -> None:
    runtime.events.register(["draft"], image_job_hooks(runtime))

    @app.command("/draft")
    def draft_command(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        text = plain_text(body.get("text", ""))
        if not text.strip():
            message_text, message_blocks = blocks.help_message()
            ack(text=message_text, blocks=message_blocks)
            return
        from handlers.private_drafts import dm_channel, split_private

        text, private = split_private(text)
        try:
            channel = dm_channel(runtime.client, body["user_id"]) if private else body["channel_id"]
            job = record_draft(runtime, text, body["user_id"], channel, None, body.get("team_id"))
        except OptionsError as exc:
            message_text, message_blocks = blocks.error_with_usage(str(exc))
            ack(text=message_text, blocks=message_blocks)
            return
        if private:
            ack(text=":lock: Drafting privately: the results are in your DM with me.")
        else:
            ack()
        announce(runtime, job, None, tell=lambda text: tell(respond, text))

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
