"""Private drafts: a message to the bot in its Messages tab (a DM) is a ``/draft`` there — the
status message, progress and variants stay in that DM's thread, and replies in the thread
iterate like anywhere else (handlers/replies.py). ``/draft --private …`` in a channel sends
the whole draft to the person's DM instead of the channel."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.jobs.draft_options import OptionsError
from bot.runtime import Runtime
from bot.slack import blocks
from bot.slack.text import plain_text
from handlers.draft import record_draft
from handlers.job_messages import announce

PRIVATE_FLAG = re.compile(r"(?:^|\s)(?:--|—|–)private(?=\s|$)")


def split_private(text: str) -> tuple[str, bool]:
    """``a red shoe --private --n 2`` → (``a red shoe --n 2``, True)."""
    stripped, found = PRIVATE_FLAG.subn(" ", text)
    return " ".join(stripped.split()) if found else text, bool(found)


def dm_channel(client: WebClient, user: str) -> str:
    return client.conversations_open(users=user)["channel"]["id"]


def register(app: App, runtime: Runtime) -> None:
    def is_dm_draft(event: dict[str, Any]) -> bool:
        return (
            event.get("channel_type") == "im"
            and not event.get("thread_ts")
            and event.get("subtype") is None
            and bool(event.get("user"))
            and not event.get("bot_id")
        )

    @app.event("message", matchers=[is_dm_draft])
    def dm_draft(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        if not runtime.store.first_delivery(f"event:{body.get('event_id') or event['ts']}"):
            return
        text, _ = split_private(plain_text(event.get("text", "")).strip())
        try:
            if not text:
                raise OptionsError("Tell me what to draw.")
            job = record_draft(
                runtime, text, event["user"], event["channel"], None, body.get("team_id")
            )
        except OptionsError as exc:
            message_text, message_blocks = blocks.error_with_usage(str(exc))
            client.chat_postMessage(
                channel=event["channel"], text=message_text, blocks=message_blocks
            )
            return
        announce(runtime, job, None)
