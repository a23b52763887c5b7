"""Promote: a draft variant becomes a final render, posted in its thread marked FINAL.

Who may promote and whether finals jump the queue are channel settings (``/dailies approvers``,
``/dailies finals first``). The final's status message shows progress like any job; when it is
done the final is posted with its lineage and the thread's root message shows it too.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.jobs import rows as jobs
from bot.jobs.draft_options import OptionsError
from bot.jobs.rows import Job
from bot.review.channel_settings import (
    describe_approvers,
    get_settings,
    parse_approvers,
    set_approvers,
    set_finals_first,
)
from bot.review.iteration import thread_root_job
from bot.review.promotion import lineage, record_promotion
from bot.runtime import Runtime
from bot.slack import blocks, effects
from bot.slack.client import post_referencing_files
from bot.slack.posted import record_posted
from handlers.ephemeral import tell
from handlers.job_messages import (
    announce,
    channel_features,
    image_job_hooks,
    result_extras,
    upload_assets,
)
from handlers.variant_actions import on_variant_action

log = logging.getLogger(__name__)


def post_final(runtime: Runtime, job: Job, assets: list[dict[str, Any]]) -> None:
    """Upload the final, post it with its lineage, and show it on the thread's root."""
    file_ids = upload_assets(runtime, job, assets)
    for asset, file_id in zip(assets, file_ids, strict=True):
        chain = [(step.label, step.asset) for step in lineage(runtime.store, asset)]
        extra = result_extras(runtime, job, [asset])
        text, final_blocks = blocks.final_result(
            job,
            asset,
            file_id,
            chain,
            extra=extra,
            features=channel_features(runtime, job.channel_id),
        )
        ts = effects.post_once(  # once, even when a later step fails and this runs again
            runtime.client,
            runtime.store,
            job_id=job.id,
            step=f"final:{asset['id']}",
            channel=job.channel_id or "",
            thread_ts=job.thread_ts,
            since=job.created_at,
            post=lambda meta, text=text, final_blocks=final_blocks: post_referencing_files(
                runtime.client,
                channel=job.channel_id or "",
                thread_ts=job.thread_ts,
                text=text,
                blocks=final_blocks,
                timeout=runtime.settings.file_share_timeout_s,
                metadata=meta,
            ),
        )
        record_posted(runtime.store, job.id, job.channel_id or "", ts, kind="final", extra=extra)
        root = thread_root_job(runtime.store, job.channel_id, job.thread_ts or "")
        promoted_by = job.params.get("promoted_by")
        if root is not None and promoted_by:
            source = chain[-2][0] if len(chain) > 1 else "a draft"
            root_text, root_blocks = blocks.root_with_final(
                root, asset, file_id, promoted_by, source
            )
            # In order with the root's status edits (a deferred one must not land after this).
            runtime.edits.update(
                job.channel_id, root.message_ts, text=root_text, blocks=root_blocks
            )


def final_hooks(runtime: Runtime) -> Any:
    """The image jobs' hooks, with a FINAL message as the result."""
    return image_job_hooks(runtime, post=post_final, noun="final image")


def refuse_settings_change(runtime: Runtime, channel: str, user: str) -> blocks.Message | None:
    """Once a channel names its approvers, only they may change its review settings; otherwise
    anybody could lift the restriction the list exists for."""
    current = get_settings(runtime.store, channel)
    if current.approvers is None or user in current.approvers:
        return None
    return blocks.notice(
        f":no_entry: Only this channel's approvers ({describe_approvers(current)}) can change "
        "who may promote or whether finals go first."
    )


def approvers_command(runtime: Runtime, body: dict[str, Any], args: str) -> blocks.Message:
    channel, user = body["channel_id"], body["user_id"]
    if args:
        try:
            approvers = parse_approvers(args)
        except OptionsError as exc:
            return blocks.notice(f":warning: {exc}")
        if refused := refuse_settings_change(runtime, channel, user):
            return refused
        settings = set_approvers(runtime.store, channel, user, approvers)
        return blocks.approvers_answer(describe_approvers(settings), settings.finals_first, True)
    settings = get_settings(runtime.store, channel)
    return blocks.approvers_answer(describe_approvers(settings), settings.finals_first)


def finals_command(runtime: Runtime, body: dict[str, Any], args: str) -> blocks.Message:
    channel, user = body["channel_id"], body["user_id"]
    words = args.lower().split()
    if words and words[0] == "first":
        words = words[1:]
    if not words:
        settings = get_settings(runtime.store, channel)
        state = "on" if settings.finals_first else "off"
        return blocks.notice(
            f"Finals first is *{state}* in this channel. "
            "Change it with `/dailies finals first on` or `off`."
        )
    if words not in (["on"], ["off"]):
        return blocks.notice(
            f":warning: `/dailies finals {args}` is not something I know. "
            "Say `/dailies finals first on` or `/dailies finals first off`."
        )
    if refused := refuse_settings_change(runtime, channel, user):
        return refused
    settings = set_finals_first(runtime.store, channel, user, words == ["on"])
    if settings.finals_first:
        return blocks.notice("Done: final renders now go ahead of drafts in the queue.")
    return blocks.notice("Done: final renders now wait their turn with drafts.")


def register(app: App, runtime: Runtime) -> None:
    runtime.events.register(["final"], final_hooks(runtime))

    def promote_clicked(
        runtime: Runtime,
        body: dict[str, Any],
        asset: dict[str, Any],
        respond: Respond,
        client: WebClient,
    ) -> None:
        user = body["user"]["id"]
        draft_job = jobs.get_job(runtime.store, asset["job_id"])
        channel = draft_job.channel_id or body["channel"]["id"]
        settings = get_settings(runtime.store, channel)
        if not settings.may_promote(user):
            client.chat_postEphemeral(
                channel=channel,
                user=user,
                thread_ts=draft_job.thread_ts,
                text=f":lock: Only {describe_approvers(settings)} can promote drafts to finals "
                "in this channel. Ask one of them, or see `/dailies approvers`.",
            )
            return
        try:
            job = record_promotion(
                runtime.store,
                runtime.settings,
                runtime.family,
                asset,
                user,
                settings.final_priority,
            )
        except OptionsError as exc:
            tell(respond, f":warning: {exc}")
            return
        announce(runtime, job, job.thread_ts)

    on_variant_action(app, runtime, blocks.PROMOTE, promote_clicked)
