"""Tags: More… → Tag… (a modal with the asset's tags) and ``/dailies tag <a17|link> name``
(``-name`` removes). After a change the message showing the asset is redrawn, so the tags appear
on the variant's line; they are searchable at once (``tag:NAME`` or as words)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.jobs import rows as jobs
from bot.library.refs import RefError, resolve_asset, split_ref
from bot.library.search import FindError
from bot.library.tags import change_tags, parse_tags, set_tags
from bot.review import votes
from bot.review.promotion import lineage
from bot.runtime import Runtime
from bot.slack import blocks
from bot.slack.posted import extra_blocks
from bot.store.assets import get_asset, job_assets
from bot.store.database import StoreBusy
from handlers.find import channel_access
from handlers.job_messages import NOT_REROLLABLE, channel_features
from handlers.replays import PRE_ACK_WRITE_S
from handlers.variant_actions import on_variant_action

log = logging.getLogger(__name__)

TAG_USAGE = (
    "Say `/dailies tag a17 hero q3-launch` to tag (the id is on each image's line, or paste a "
    "link to its message), `/dailies tag a17 -hero` to remove, `/dailies tag a17` to list."
)


def redraw(runtime: Runtime, job_id: int) -> None:
    """Show the job's messages again as posted, with current tags (and votes)."""
    store = runtime.store
    job = jobs.get_job(store, job_id)
    assets = job_assets(store, job_id)
    if not assets or not all(a.get("slack_file_id") for a in assets):
        return
    features = channel_features(runtime, job.channel_id)
    for message in store.db["posted_messages"].rows_where("job_id = ?", [job_id]):
        if message["kind"] == "variants":
            text, message_blocks = blocks.variants(
                job,
                assets,
                [a["slack_file_id"] for a in assets],
                extra=extra_blocks(message),
                rerollable=job.kind not in NOT_REROLLABLE,
                notes=votes.vote_notes(store, assets),
                features=features,
            )
        elif message["kind"] == "final" and len(assets) == 1:
            chain = [(step.label, step.asset) for step in lineage(store, assets[0])]
            text, message_blocks = blocks.final_result(
                job,
                assets[0],
                assets[0]["slack_file_id"],
                chain,
                extra=extra_blocks(message),
                features=features,
            )
        else:
            continue
        # Through the chat.update budget, in order with every other edit of the message.
        runtime.edits.update(message["channel_id"], message["ts"], text=text, blocks=message_blocks)


def visible_asset(runtime: Runtime, body: dict[str, Any], ref: str) -> dict[str, Any]:
    """The asset ``ref`` names, if the person may see its channel (else as if it did not
    exist: a private channel's assets are not confirmed to outsiders)."""
    asset = resolve_asset(runtime.store, ref)
    channel = asset.get("channel_id")
    if channel and not channel_access(runtime).may_see(
        body["user_id"], channel, body.get("channel_id")
    ):
        raise RefError(f"There is no asset `{ref}` that you can see.")
    return asset


def tag_command(runtime: Runtime, body: dict[str, Any], args: str) -> blocks.Message:
    try:
        ref, rest = split_ref(args)
        asset = visible_asset(runtime, body, ref)
        words = rest.replace(",", " ").split()
        if words and words[0].lower() in ("remove", "untag"):
            add, remove = [], parse_tags(" ".join(words[1:]))
        else:
            add = parse_tags(" ".join(w for w in words if not w.startswith("-")))
            remove = parse_tags(" ".join(w[1:] for w in words if w.startswith("-")))
        if not add and not remove:
            return blocks.tags_answer(asset, blocks.tag_list(asset), changed=False)
        tags = change_tags(runtime.store, asset, add, remove)
    except (RefError, FindError) as exc:
        return blocks.notice(f":warning: {exc}\n{TAG_USAGE}")
    redraw(runtime, asset["job_id"])
    return blocks.tags_answer(asset, tags, changed=True)


BUSY_FIELD = "The database is busy for a moment; nothing was saved. Save again in a few seconds."


def register(app: App, runtime: Runtime) -> None:
    def tag_clicked(
        runtime: Runtime,
        body: dict[str, Any],
        asset: dict[str, Any],
        respond: Respond,
        client: WebClient,
    ) -> None:
        client.views_open(trigger_id=body["trigger_id"], view=blocks.tag_modal(asset))

    on_variant_action(app, runtime, blocks.TAG, tag_clicked)

    @app.view(blocks.TAG_VIEW)
    def submitted(ack: Ack, body: dict[str, Any]) -> None:
        view = body["view"]
        field = view["state"]["values"].get(blocks.TAG_INPUT, {}).get(blocks.TAG_INPUT, {})
        asset = get_asset(runtime.store, int(view.get("private_metadata") or 0))
        if asset is None:
            ack(response_action="errors", errors={blocks.TAG_INPUT: "That image is gone."})
            return
        try:
            tags = parse_tags(field.get("value") or "")
            with runtime.store.bounded(PRE_ACK_WRITE_S):  # one write: done, or not at all
                set_tags(runtime.store, asset["id"], tags)
        except FindError as exc:
            ack(response_action="errors", errors={blocks.TAG_INPUT: str(exc)})
            return
        except StoreBusy:
            ack(response_action="errors", errors={blocks.TAG_INPUT: BUSY_FIELD})
            return
        ack()
        redraw(runtime, asset["job_id"])
