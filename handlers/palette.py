"""Brand palettes in Slack: ``/dailies palette …``, the palette line under results, and
"Snap to palette" on variants (a job whose result is a colour-corrected child asset)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, Respond

from bot import blocks, jobs
from bot.assets import get_asset, load_asset_image
from bot.job_params import asset_aspect
from bot.jobs import Job
from bot.palette import PaletteError, PaletteReport, palette_report, parse_palette
from bot.palette_job import snap_params
from bot.palette_store import clear_palette, get_palette, set_palette
from bot.runtime import Runtime
from handlers.anchors import is_image
from handlers.dailies_command import SUBCOMMANDS
from handlers.ephemeral import tell
from handlers.job_messages import (
    NOT_REROLLABLE,
    RESULT_EXTRAS,
    announce,
    image_job_hooks,
)
from handlers.variant_actions import on_variant_action

SNAP = "palette_snap"  # the job kind
PALETTE_USAGE = (
    "`/dailies palette #0055FF #FFFFFF #111111` (2–12 colours) · `/dailies palette clear`"
)

blocks.COMMANDS.extend(
    [
        ("/dailies palette #RRGGBB …", "set this channel's brand palette (2–12 colours)"),
        ("/dailies palette | palette clear", "show / remove this channel's palette"),
    ]
)


def _swatches(colours: list[str]) -> str:
    return " ".join(f"`{c}`" for c in colours)


def palette_command(runtime: Runtime, body: dict[str, Any], arguments: str) -> blocks.Message:
    channel = body["channel_id"]
    threshold = runtime.settings.palette_delta_e
    if not arguments:
        current = get_palette(runtime.store, channel)
        if current is None:
            return blocks.notice(f"This channel has no brand palette. Set one: {PALETTE_USAGE}")
        return blocks.notice(
            f":art: Brand palette of <#{channel}>: {_swatches(current)}\nResults here show "
            f"their dominant colours against it; ΔE00 above {threshold:g} is flagged."
        )
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
        f":art: Brand palette of <#{channel}> is now {_swatches(colours)}. New results here "
        f"show a palette line (ΔE00 above {threshold:g} is flagged), and variants get "
        "More… → *Snap to palette*."
    )


def _line(number: int, report: PaletteReport) -> str:
    parts = []
    for match in report.matches:
        sign = "≈" if match.delta_e <= report.threshold else "✗"
        parts.append(
            f"`{match.colour}` {match.share:.0%} {sign} `{match.nearest}` ΔE {match.delta_e:.1f}"
        )
    flag = " · :warning: off-palette" if report.off_palette else ""
    return f"#{number}: " + " · ".join(parts) + flag


def palette_result_lines(runtime: Runtime, job: Job, assets: list[dict[str, Any]]) -> list[Any]:
    """Every result in a channel with a palette: dominant colours against it (ΔE00)."""
    palette = job.params.get("palette") or get_palette(runtime.store, job.channel_id)
    if not palette:
        return []
    threshold = runtime.settings.palette_delta_e
    assets_dir = runtime.settings.assets_dir
    lines = [f":art: *Palette* {_swatches(palette)} · ΔE00 flag above {threshold:g}"]
    for asset in assets:
        report = palette_report(load_asset_image(assets_dir, asset), palette, threshold)
        lines.append(_line(asset["variant"], report))
        source = get_asset(runtime.store, asset["parent_id"]) if job.kind == SNAP else None
        if source is not None:
            before = palette_report(load_asset_image(assets_dir, source), palette, threshold)
            lines.append(
                f"Snapped from variant #{source['variant']}: mean ΔE {before.mean_delta_e:.1f} "
                f"→ {report.mean_delta_e:.1f} · worst {before.max_delta_e:.1f} → "
                f"{report.max_delta_e:.1f}"
            )
    return [blocks.note_lines("palette", lines)]


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
    NOT_REROLLABLE.add(SNAP)
    on_variant_action(
        app,
        runtime,
        blocks.VariantControl(
            blocks.SNAP_PALETTE,
            "Snap to palette",
            button=False,
            order=70,
            shows_for=lambda asset: (
                is_image(asset) and get_palette(runtime.store, asset.get("channel_id")) is not None
            ),
        ),
        snap_to_palette,
    )
    SUBCOMMANDS["palette"] = palette_command
    RESULT_EXTRAS["palette"] = palette_result_lines
