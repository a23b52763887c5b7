"""QC marks on variants: Usable and Reject (with an optional reason in a small modal).

A click toggles the person's mark (clicking the other one changes it); the variants message is
re-rendered through the same board as votes, so the line under each variant shows votes, marks
and automatic flags together.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.jobs import rows as jobs
from bot.quality import marks
from bot.runtime import Runtime
from bot.slack import blocks
from bot.slack.posted import VARIANTS, job_messages, posted_message, record_posted
from bot.store.assets import get_asset
from handlers.ephemeral import tell
from handlers.variant_actions import VariantHandler, on_variant_action
from handlers.votes import board_for

# Job kinds whose results are not shown in a variants message (the board must never re-render
# their messages as one).
NOT_VARIANTS = frozenset({"final"})


def _shown(runtime: Runtime, body: dict[str, Any], asset: dict[str, Any]) -> bool:
    """Re-render the variants message showing this asset; False when there is none to edit
    (a FINAL's message is not a variants message: the person is told privately instead)."""
    store = runtime.store
    container = body.get("container") or {}
    messages = job_messages(store, asset["job_id"], VARIANTS)
    channel, ts = container.get("channel_id"), container.get("message_ts")
    if not messages and channel and ts and posted_message(store, channel, ts) is None:
        job = jobs.get_job(store, asset["job_id"])
        if job.kind not in NOT_VARIANTS:
            # A variants message posted before marks existed: learn where it is from the click.
            record_posted(store, asset["job_id"], channel, ts)
            messages = job_messages(store, asset["job_id"], VARIANTS)
    if not messages:
        return False
    board_for(runtime).changed(asset["job_id"])
    return True


def mark_clicked(mark: str) -> VariantHandler:
    """The handler of the Usable or Reject button."""

    def clicked(
        runtime: Runtime,
        body: dict[str, Any],
        asset: dict[str, Any],
        respond: Respond,
        client: WebClient,
    ) -> None:
        user = body["user"]["id"]
        now = marks.toggle_mark(runtime.store, asset["id"], user, mark)
        shown = _shown(runtime, body, asset)
        if now == marks.REJECT and body.get("trigger_id"):
            metadata = json.dumps({"asset_id": asset["id"], "channel_id": body["channel"]["id"]})
            with contextlib.suppress(SlackApiError):  # the reject stands; a reason is optional
                client.views_open(
                    trigger_id=body["trigger_id"], view=blocks.reject_reason_modal(asset, metadata)
                )
        if not shown:
            said = {marks.USABLE: "usable", marks.REJECT: "reject", None: "unmarked"}[now]
            which = "This final" if asset.get("tier") == "final" else f"Variant #{asset['variant']}"
            tell(respond, f"{which} is now marked *{said}* by you.")

    return clicked


def register(app: App, runtime: Runtime) -> None:
    on_variant_action(app, runtime, blocks.MARK_USABLE, mark_clicked(marks.USABLE))
    on_variant_action(app, runtime, blocks.MARK_REJECT, mark_clicked(marks.REJECT))

    @app.view(blocks.REJECT_VIEW)
    def reason_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack()
        metadata = json.loads(view.get("private_metadata") or "{}")
        asset = get_asset(runtime.store, int(metadata.get("asset_id") or 0))
        reason = blocks.chosen_reason(view)
        if asset is None or reason is None:
            return
        if marks.set_reason(runtime.store, asset["id"], body["user"]["id"], reason):
            board_for(runtime).changed(asset["job_id"])
