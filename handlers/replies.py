"""A person's reply in a dailies thread makes the thread's next iteration.

Only plain replies from people count, in threads whose root is a draft's status message: edits,
deletions, bots (the bot included) and other threads are left alone. A reply that mentions the
bot is an @mention and starts a fresh draft instead (handlers/draft.py); ``edit #N …`` (or
``edit`` with a mask attached) is a region edit (handlers/edit_reply.py).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.jobs.draft_options import OptionsError
from bot.review.iteration import record_iteration, thread_root_job
from bot.runtime import Runtime
from bot.slack import blocks
from bot.slack.text import plain_text
from handlers.edit_reply import handle_edit_reply
from handlers.job_messages import announce

# thread_broadcast is a reply also sent to the channel: still a plain reply.
_PLAIN = (None, "thread_broadcast")


def register(app: App, runtime: Runtime) -> None:
    store = runtime.store

    def is_dailies_reply(event: dict[str, Any]) -> bool:
        thread_ts = event.get("thread_ts")
        if not thread_ts or thread_ts == event.get("ts") or event.get("subtype") not in _PLAIN:
            return False
        if event.get("bot_id") or event.get("bot_profile") or not event.get("user"):
            return False
        return thread_root_job(store, event.get("channel", ""), thread_ts) is not None

    @app.event("message", matchers=[is_dailies_reply])
    def reply(
        body: dict[str, Any], event: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        text = event.get("text") or ""
        bot_user = context.bot_user_id
        if bot_user and f"<@{bot_user}" in text:
            return
        if handle_edit_reply(runtime, event, client):
            return  # `edit #N …` is a region edit (handlers/edit_reply.py), not an iteration
        if not store.first_delivery(f"event:{body.get('event_id') or event['ts']}"):
            return
        channel, thread_ts, user = event["channel"], event["thread_ts"], event["user"]
        try:
            job = record_iteration(
                store,
                runtime.settings,
                runtime.family,
                reply=plain_text(text),
                user_id=user,
                channel_id=channel,
                thread_ts=thread_ts,
            )
        except OptionsError as exc:
            message_text, message_blocks = blocks.notice(f":warning: {exc}")
            client.chat_postEphemeral(
                channel=channel,
                user=user,
                thread_ts=thread_ts,
                text=message_text,
                blocks=message_blocks,
            )
            return
        announce(runtime, job, thread_ts)
