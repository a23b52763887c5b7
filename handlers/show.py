"""``/dailies show <a17 | message link>``: the asset reposted here with its full settings and
lineage; **Reproduce exactly** (same seed and parameters, bytes compared) and **New thread from
it**. The command answers at once; the repost (an upload when the file lives in another
channel) runs on the outbox so the 3-second ack never waits on Slack's file processing."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk.errors import SlackApiError

from bot.jobs import rows as jobs
from bot.jobs.rows import Job
from bot.library.refs import RefError, split_ref
from bot.library.show import (
    REPRODUCE,
    ShowError,
    compare,
    lineage_line,
    new_thread_params,
    record_reproduction,
    reproducible,
)
from bot.runtime import Runtime
from bot.slack import blocks
from bot.slack.client import Upload, post_referencing_files, upload_files, wait_until_shared
from bot.store.assets import asset_path, get_asset
from handlers.ephemeral import tell
from handlers.find import message_ts_of, permalink
from handlers.job_messages import (
    POST_ERRORS,
    announce,
    image_job_hooks,
    post_in_thread,
    post_results,
    whisper,
)
from handlers.tags import visible_asset

log = logging.getLogger(__name__)

SHOW_USAGE = "Say `/dailies show a17` (the id is on each image's line) or paste a message link."


def settings_facts(runtime: Runtime, asset: dict[str, Any]) -> list[str]:
    job = jobs.find_job(runtime.store, asset["job_id"])
    facts = [
        f"{asset['width']}×{asset['height']}",
        f"seed {asset['seed']}",
        f"{asset.get('steps')} steps",
        f"CFG {asset.get('guidance') or 0:g}",
        f"strength {asset.get('strength') or 0:g}",
        f"{asset.get('scheduler')}",
        f"`{asset.get('model_id')}`",
        f"{asset.get('tier')} tier",
    ]
    if job is not None:
        facts.append(f"{blocks.kind_label(job.kind)} · job {job.id}")
    if asset.get("negative_prompt"):
        facts.append(f"no: {blocks.escape(asset['negative_prompt'])}")
    if asset.get("anchor_id"):
        anchor = runtime.store.db["anchors"].get(asset["anchor_id"])
        facts.append(f"anchor `{anchor['name']}` · scale {asset.get('anchor_scale') or 0:g}")
    if asset.get("recipe_id"):
        recipe = runtime.store.db["recipes"].get(asset["recipe_id"])
        facts.append(f"recipe `{recipe['name']}`")
    facts.append(f"made by <@{asset['user_id']}>" if asset.get("user_id") else "made in the CLI")
    return facts


def repost(runtime: Runtime, asset: dict[str, Any], channel: str, user: str) -> None:
    """Post the asset in ``channel`` (uploading its file there when it lives elsewhere)."""
    client = runtime.client
    file_id = asset.get("slack_file_id") if asset.get("channel_id") == channel else None
    is_image = (asset.get("media_type") or "image/png").startswith("image/")
    if file_id is None and is_image:
        [file_id] = upload_files(
            client,
            channel,
            None,
            [
                Upload(
                    asset_path(runtime.settings.assets_dir, asset),
                    f"dailies-a{asset['id']}-seed{asset['seed']}.png",
                    f"a{asset['id']} · seed {asset['seed']}",
                    f"a{asset['id']}: {(asset.get('prompt') or '')[:900]}",
                )
            ],
        )
        wait_until_shared(client, [file_id], channel, runtime.settings.file_share_timeout_s)
    link = permalink(client, asset.get("channel_id"), message_ts_of(runtime, asset))
    text, message_blocks = blocks.show_message(
        asset,
        file_id if is_image else None,
        lineage_line(runtime.store, asset),
        settings_facts(runtime, asset),
        reproducible=reproducible(runtime.store, asset),
        permalink=link,
        shown_by=user,
    )
    post_referencing_files(
        client,
        channel=channel,
        thread_ts=None,
        text=text,
        blocks=message_blocks,
        timeout=runtime.settings.file_share_timeout_s,
    )


def show_command(runtime: Runtime, body: dict[str, Any], args: str) -> blocks.Message:
    channel, user = body["channel_id"], body["user_id"]
    try:
        ref, _ = split_ref(args)
        asset = visible_asset(runtime, body, ref)
    except RefError as exc:
        return blocks.notice(f":warning: {exc}\n{SHOW_USAGE}")

    def post() -> None:
        try:
            repost(runtime, asset, channel, user)
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            log.warning("could not show a%s in %s: %s", asset["id"], channel, error)
            whisper(runtime, channel, user, None)(
                f":warning: {POST_ERRORS.get(error, f'Slack refused my message ({error}).')}"
            )

    runtime.outbox.submit(post)
    return blocks.notice(f":frame_with_picture: Showing `a{asset['id']}` here…")


def post_reproduction(runtime: Runtime, job: Job, assets: list[dict[str, Any]]) -> None:
    post_results(runtime, job, assets)
    _, line = compare(runtime.store, job, assets)
    post_in_thread(runtime, job, blocks.notice(line))


def register(app: App, runtime: Runtime) -> None:
    runtime.events.register([REPRODUCE], image_job_hooks(runtime, post=post_reproduction))

    def clicked_asset(body: dict[str, Any], respond: Respond) -> dict[str, Any] | None:
        action = body["actions"][0]
        key = f"action:{action.get('action_ts')}:{body['user']['id']}:{action['action_id']}"
        if not runtime.store.first_delivery(key):
            return None
        asset = get_asset(runtime.store, int(action["value"]))
        if asset is None:
            tell(respond, "That image no longer exists.")
        return asset

    @app.action(re.compile(rf"^{blocks.SHOW_REPRODUCE}:\d+$"))
    def reproduce(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        asset = clicked_asset(body, respond)
        if asset is None:
            return
        channel = body["channel"]["id"]
        thread_ts = body["container"]["message_ts"]
        try:
            job = record_reproduction(runtime.store, asset, body["user"]["id"], channel, thread_ts)
        except ShowError as exc:
            tell(respond, f":warning: {exc}")
            return
        announce(runtime, job, thread_ts, tell=lambda text: tell(respond, text))

    @app.action(re.compile(rf"^{blocks.SHOW_NEW_THREAD}:\d+$"))
    def new_thread(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        asset = clicked_asset(body, respond)
        if asset is None:
            return
        try:
            params = new_thread_params(runtime.store, asset, runtime.settings, runtime.family)
        except ShowError as exc:
            tell(respond, f":warning: {exc}")
            return
        job = jobs.create_job(
            runtime.store,
            "draft",
            params,
            user_id=body["user"]["id"],
            channel_id=body["channel"]["id"],
            parent_job_id=asset["job_id"],
            held=True,
        )
        announce(runtime, job, None, tell=lambda text: tell(respond, text))
