"""Edit in place from a variant's "More…" menu: vary, edit a region, resize to formats, upscale.

Every control records a job in the variant's thread (its results come back there with the
usual controls and the source as parent). Edit region and Resize ask first, in a modal; the
modal's submit is validated before anything is recorded, so bad input queues nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.jobs import rows as jobs
from bot.jobs.edit_params import (
    FORMATS,
    EditError,
    Format,
    edit_params,
    parse_custom_size,
    resize_params,
    upscale_params,
    vary_params,
)
from bot.media.edit_grid import cached_preview, preview_png, remember_preview
from bot.runtime import Runtime
from bot.slack import blocks
from bot.slack.client import Upload, upload_files, wait_until_shared
from bot.store.assets import get_asset, load_asset_image, write_content_addressed
from handlers.ephemeral import tell
from handlers.job_messages import announce, image_job_hooks
from handlers.variant_actions import on_variant_action
from models.masks import CELL_NAMES

log = logging.getLogger(__name__)

KINDS = ["vary", "edit", "resize", "upscale"]


def record(
    runtime: Runtime, kind: str, params: dict[str, Any], user_id: str, asset: dict[str, Any]
) -> jobs.Job:
    """Record the job in the source's thread and post its status message there."""
    job = jobs.create_job(
        runtime.store,
        kind,
        params,
        user_id=user_id,
        channel_id=asset["channel_id"],
        thread_ts=asset["thread_ts"],
        parent_job_id=asset["job_id"],
        held=True,
    )
    return announce(runtime, job, asset["thread_ts"])


def _in_slack(asset: dict[str, Any], respond: Respond) -> bool:
    if asset.get("channel_id") and asset.get("thread_ts"):
        return True
    tell(respond, "That image was not made in a Slack thread, so there is nowhere to post.")
    return False


def queue_edit(
    kind: str, make_params: Callable[[Runtime, dict[str, Any]], dict[str, Any]]
) -> Callable[..., None]:
    """A menu entry that queues one ``kind`` job from the clicked image, or says privately why
    it cannot (the image is not in a thread, or ``make_params`` refuses with an EditError)."""

    def handler(
        runtime: Runtime, body: dict[str, Any], asset: dict[str, Any], respond: Respond, client: Any
    ) -> None:
        if not _in_slack(asset, respond):
            return
        try:
            params = make_params(runtime, asset)
        except EditError as exc:
            tell(respond, f":warning: {exc}")
            return
        record(runtime, kind, params, body["user"]["id"], asset)

    return handler


def on_vary(mode: str) -> Callable[..., None]:
    return queue_edit(
        "vary",
        lambda rt, asset: vary_params(
            rt.store, rt.settings, rt.family_of_asset(asset), asset, mode
        ),
    )


def on_upscale(scale: int) -> Callable[..., None]:
    return queue_edit(
        "upscale",
        lambda rt, asset: upscale_params(rt.settings, rt.family_of_asset(asset), asset, scale),
    )


def open_edit_region(
    runtime: Runtime,
    body: dict[str, Any],
    asset: dict[str, Any],
    respond: Respond,
    client: WebClient,
) -> None:
    """Open the modal at once (the trigger_id lasts 3 s), then add the grid preview."""
    if not _in_slack(asset, respond):
        return
    metadata = json.dumps({"asset_id": asset["id"]})
    cached = cached_preview(runtime.store, asset["id"])
    opened = client.views_open(
        trigger_id=body["trigger_id"],
        view=blocks.edit_region_modal(asset, CELL_NAMES, metadata, cached),
    )
    if cached:
        return
    settings = runtime.settings
    _, relative = write_content_addressed(
        settings.assets_dir, preview_png(load_asset_image(settings.assets_dir, asset)), ".png"
    )
    upload = Upload(
        path=settings.assets_dir / relative,
        filename=f"dailies-grid-{asset['id']}.png",
        title=f"Grid for editing #{asset.get('variant')}",
        alt_text=f"Image #{asset.get('variant')} with a numbered 3×3 grid",
    )
    file_id = upload_files(client, asset["channel_id"], asset["thread_ts"], [upload])[0]
    if not wait_until_shared(client, [file_id], asset["channel_id"], settings.file_share_timeout_s):
        log.warning("grid preview %s not shared in time; the modal keeps its text", file_id)
        return
    remember_preview(runtime.store, asset, file_id)
    try:
        client.views_update(
            view_id=opened["view"]["id"],
            view=blocks.edit_region_modal(asset, CELL_NAMES, metadata, file_id),
        )
    except SlackApiError as exc:  # closed or submitted meanwhile: nothing to show it in
        log.info("could not add the grid preview: %s", exc.response.get("error"))


def open_resize(
    runtime: Runtime,
    body: dict[str, Any],
    asset: dict[str, Any],
    respond: Respond,
    client: WebClient,
) -> None:
    if not _in_slack(asset, respond):
        return
    formats = [(key, f"{f.label} · {f.width}×{f.height}") for key, f in FORMATS.items()]
    client.views_open(
        trigger_id=body["trigger_id"],
        view=blocks.resize_modal(
            asset,
            formats,
            json.dumps({"asset_id": asset["id"]}),
            runtime.settings.resize_min_side,
            runtime.settings.resize_max_side,
        ),
    )


def _value(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return (view.get("state", {}).get("values", {}).get(block_id) or {}).get(block_id) or {}


def _selected(view: dict[str, Any], block_id: str) -> list[str]:
    return [o["value"] for o in _value(view, block_id).get("selected_options") or []]


def _submitted_asset(runtime: Runtime, view: dict[str, Any]) -> dict[str, Any] | None:
    try:
        asset_id = int(json.loads(view.get("private_metadata") or "{}")["asset_id"])
    except (KeyError, ValueError, TypeError):
        return None
    return get_asset(runtime.store, asset_id)


def _first_submit(runtime: Runtime, body: dict[str, Any]) -> bool:
    view = body["view"]
    return runtime.store.first_delivery(f"view:{view['id']}:{view.get('hash')}")


HANDLERS: dict[str, Callable[..., None]] = {
    blocks.VARY_SUBTLE: on_vary("subtle"),
    blocks.VARY_STRONG: on_vary("strong"),
    blocks.EDIT_REGION: open_edit_region,
    blocks.RESIZE: open_resize,
    blocks.UPSCALE_2: on_upscale(2),
    blocks.UPSCALE_4: on_upscale(4),
}


def register(app: App, runtime: Runtime) -> None:
    runtime.events.register(KINDS, image_job_hooks(runtime))
    for action_id, handler in HANDLERS.items():
        on_variant_action(app, runtime, action_id, handler)

    @app.view(blocks.EDIT_REGION_VIEW)
    def edit_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        cells = [int(v) for v in _selected(view, blocks.CELLS_INPUT)]
        instruction = (_value(view, blocks.INSTRUCTION_INPUT).get("value") or "").strip()
        errors = {}
        if not cells:
            errors[blocks.CELLS_INPUT] = "Tick at least one cell to change."
        if not instruction:
            errors[blocks.INSTRUCTION_INPUT] = "Say what should be there, e.g. “a red scarf”."
        asset = _submitted_asset(runtime, view)
        if asset is None:
            errors[blocks.CELLS_INPUT] = "That image no longer exists."
        params = None
        if not errors:
            try:
                params = edit_params(
                    runtime.store, runtime.family_of_asset(asset), asset, instruction, cells=cells
                )
            except EditError as exc:
                errors[blocks.INSTRUCTION_INPUT] = str(exc)
        if errors or params is None:
            ack(response_action="errors", errors=errors)
            return
        ack()
        if _first_submit(runtime, body):
            record(runtime, "edit", params, body["user"]["id"], asset)

    @app.view(blocks.RESIZE_VIEW)
    def resize_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        chosen: list[Format] = [
            FORMATS[v] for v in _selected(view, blocks.FORMATS_INPUT) if v in FORMATS
        ]
        custom = (_value(view, blocks.CUSTOM_SIZE_INPUT).get("value") or "").strip()
        errors = {}
        if custom:
            try:
                chosen.append(parse_custom_size(custom, runtime.settings))
            except EditError as exc:
                errors[blocks.CUSTOM_SIZE_INPUT] = str(exc)
        elif not chosen:
            errors[blocks.FORMATS_INPUT] = "Tick at least one format, or type a custom size."
        asset = _submitted_asset(runtime, view)
        if asset is None:
            errors[blocks.FORMATS_INPUT] = "That image no longer exists."
        params = None
        if not errors:
            try:
                params = resize_params(runtime.family_of_asset(asset), asset, chosen)
            except EditError as exc:
                errors[blocks.FORMATS_INPUT] = str(exc)
        if errors or params is None:
            ack(response_action="errors", errors=errors)
            return
        ack()
        if _first_submit(runtime, body):
            record(runtime, "resize", params, body["user"]["id"], asset)
