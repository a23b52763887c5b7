"""Brand palettes in Slack: ``/dailies palette …``, the palette line under results, and
"Snap to palette" on variants (a job whose result is a colour-corrected child asset)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, Respond

from bot.brand.palette import PaletteError, parse_palette
from bot.brand.palette_store import clear_palette, get_palette, set_palette
from bot.brand.result_lines import swatches
from bot.jobs import rows as jobs
from bot.jobs.palette_snap import snap_params
from bot.jobs.params import asset_aspect
from bot.review.channel_settings import may_change_channel
from bot.runtime import Runtime
from bot.slack import blocks
from handlers.ephemeral import tell
from handlers.job_messages import (
    announce,
    image_job_hooks,
)
from handlers.variant_actions import on_variant_action

SNAP = "palette_snap"  # the job kind
PALETTE_USAGE = (
    "`/dailies palette #0055FF #FFFFFF #111111` (2–12 colours) · `/dailies palette clear`"
)


def palette_command(runtime: Runtime, body: dict[str, Any], arguments: str) -> blocks.Message:
    channel = body["channel_id"]
    threshold = runtime.settings.palette_delta_e
    if not arguments:
        current = get_palette(runtime.store, channel)
        if current is None:
            return blocks.notice(f"This channel has no brand palette. Set one: {PALETTE_USAGE}")
        return blocks.notice(
            f":art: Brand palette of <#{channel}>: {swatches(current)}\nResults here show "
            f"their dominant colours against it; ΔE00 above {threshold:g} is flagged."
        )
    if refusal := may_change_channel(runtime.store, channel, body["user_id"]):
        return blocks.notice(f":lock: {refusal}")
    if arguments.lower() == "clear":
        if clear_palette(runtime.store, channel):
            return blocks.notice(f"Removed the brand palette of <#{channel}>.")
        return blocks.notice("This channel has no brand palette to clear.")
    try:
        colours = parse_palette(arguments)
    except PaletteError as exc:
        return blocks.notice(f":warning: {exc}\n{PALETTE_USAGE}")
    set_palette(runtime.store, channel, body.get("team_id"), colours, body["user_id"])
    return blocks.notice(
        f":art: Brand palette of <#{channel}> is now {swatches(colours)}. New results here "
        f"show a palette line (ΔE00 above {threshold:g} is flagged), and variants get "
        "More… → *Snap to palette*."
    )


def snap_to_palette(
    runtime: Runtime, body: dict[str, Any], asset: dict[str, Any], respond: Respond, client: Any
) -> None:
    palette = get_palette(runtime.store, asset["channel_id"])
    if not palette:
        tell(respond, f"This channel has no brand palette any more. Set one: {PALETTE_USAGE}")
        return
    source_job = jobs.find_job(runtime.store, asset["job_id"])
    aspect = asset_aspect(asset, source_job)
    job = jobs.create_job(
        runtime.store,
        SNAP,
        snap_params(asset, palette, aspect),
        user_id=body["user"]["id"],
        channel_id=asset["channel_id"],
        thread_ts=asset["thread_ts"],
        parent_job_id=asset["job_id"],
        held=True,
    )
    announce(runtime, job, asset["thread_ts"])


def register(app: App, runtime: Runtime) -> None:
    runtime.events.register([SNAP], image_job_hooks(runtime))
    on_variant_action(app, runtime, blocks.SNAP_PALETTE, snap_to_palette)
