"""Votes on variants: the Vote button (a toggle) and emoji reactions on a variants message.

Reactions count where they name one variant without doubt: :+1: on a message that shows one
variant, :one:…:eight: on any variants message. Each vote is one transaction; the tally on the
message is re-rendered from the database, at most once per interval per message, and always once
more after the last vote, so it ends up exact however fast the votes come.
"""

from __future__ import annotations

import weakref
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.jobs import rows as jobs
from bot.quality.notes import variant_notes
from bot.review import votes
from bot.runtime import Runtime
from bot.slack import blocks
from bot.slack.coalesce import Coalescer
from bot.slack.posted import VARIANTS, extra_blocks, job_messages, posted_message, record_posted
from bot.store.assets import job_assets
from handlers.job_messages import NOT_REROLLABLE, channel_features
from handlers.variant_actions import on_variant_action

NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
THUMBS_UP = {"+1", "thumbsup"}


def reaction_name(name: str) -> str:
    """``+1::skin-tone-3`` is a :+1: too."""
    return name.split("::", 1)[0]


def reaction_target(name: str, assets: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The variant a reaction votes for, or None when it names none unambiguously."""
    name = reaction_name(name)
    if name in THUMBS_UP and len(assets) == 1:
        return assets[0]
    if name in NUMBERS:
        return next((a for a in assets if a["variant"] == NUMBERS[name]), None)
    return None


class TallyBoard:
    """Keeps every variants message showing its current tally, throttled per message."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        # Within the chat.update budget too: a room voting at once defers and merges edits,
        # and what is still deferred when the bot stops is sent then.
        self.coalescer = Coalescer(runtime.settings.progress_interval_s, budget=runtime.budget)
        if runtime.edits is not None:
            runtime.edits.track(self.coalescer)

    def changed(self, job_id: int) -> None:
        for message in job_messages(self.runtime.store, job_id, VARIANTS):
            channel, ts = message["channel_id"], message["ts"]
            self.coalescer.request(f"{channel}:{ts}", lambda m=message: self._render(m))

    def _render(self, message: dict[str, Any]) -> None:
        """The variants message as first posted (same extra lines), with the current tally."""
        store = self.runtime.store
        job = jobs.get_job(store, message["job_id"])
        assets = job_assets(store, job.id)
        file_ids = [a["slack_file_id"] for a in assets]
        if not all(file_ids):
            return
        text, message_blocks = blocks.variants(
            job,
            assets,
            file_ids,
            extra=extra_blocks(message),
            rerollable=job.kind not in NOT_REROLLABLE,
            notes=variant_notes(store, assets),
            features=channel_features(self.runtime, job.channel_id),
        )
        self.runtime.client.chat_update(
            channel=message["channel_id"], ts=message["ts"], text=text, blocks=message_blocks
        )


# Weak: a board lives as long as the app whose listeners hold it, not as long as this module.
_BOARDS: weakref.WeakValueDictionary[int, TallyBoard] = weakref.WeakValueDictionary()


def board_for(runtime: Runtime) -> TallyBoard:
    """The one board of a running bot: votes and QC marks re-render the same messages through
    it, so their edits of one message stay in order and within Slack's rate."""
    board = _BOARDS.get(id(runtime))
    if board is None or board.runtime is not runtime:
        board = TallyBoard(runtime)
        _BOARDS[id(runtime)] = board
    return board


def register(app: App, runtime: Runtime) -> None:
    board = board_for(runtime)
    store = runtime.store

    def vote_clicked(
        runtime: Runtime,
        body: dict[str, Any],
        asset: dict[str, Any],
        respond: Respond,
        client: WebClient,
    ) -> None:
        container = body.get("container") or {}
        if container.get("message_ts") and not job_messages(store, asset["job_id"], VARIANTS):
            # A message posted before votes existed: learn where it is from the click.
            record_posted(store, asset["job_id"], container["channel_id"], container["message_ts"])
        votes.toggle_vote(store, asset["id"], body["user"]["id"])
        board.changed(asset["job_id"])

    on_variant_action(app, runtime, blocks.VOTE, vote_clicked)

    def on_variants_message(event: dict[str, Any]) -> bool:
        item = event.get("item") or {}
        if item.get("type") != "message" or not event.get("user"):
            return False
        found = posted_message(store, item.get("channel", ""), item.get("ts", ""))
        return found is not None and found["kind"] == VARIANTS

    def target(event: dict[str, Any]) -> dict[str, Any] | None:
        item = event["item"]
        message = posted_message(store, item["channel"], item["ts"])
        assets = [a for a in job_assets(store, message["job_id"]) if blocks.is_draft_image(a)]
        return reaction_target(event["reaction"], assets)

    @app.event("reaction_added", matchers=[on_variants_message])
    def reaction_added(body: dict[str, Any], event: dict[str, Any]) -> None:
        asset = target(event)
        if asset is None or not store.first_delivery(f"event:{body.get('event_id')}"):
            return
        name = reaction_name(event["reaction"])
        if votes.add_reaction_vote(store, asset["id"], event["user"], name):
            board.changed(asset["job_id"])

    @app.event("reaction_removed", matchers=[on_variants_message])
    def reaction_removed(body: dict[str, Any], event: dict[str, Any]) -> None:
        asset = target(event)
        if asset is None or not store.first_delivery(f"event:{body.get('event_id')}"):
            return
        name = reaction_name(event["reaction"])
        if votes.remove_reaction_vote(store, asset["id"], event["user"], name):
            board.changed(asset["job_id"])
