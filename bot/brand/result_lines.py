"""The lines every result carries under its images: the style anchor it followed and, in a
channel with a brand palette, its dominant colours against the palette (ΔE00).

Every kind of result (variants, finals, snaps) shows them, so they live apart from any one
feature's handlers; ``handlers.job_messages`` lists them in ``RESULT_EXTRAS``."""

from __future__ import annotations

from typing import Any

from bot.brand import anchors
from bot.brand.palette import PaletteReport, palette_report
from bot.brand.palette_store import get_palette
from bot.jobs.rows import Job
from bot.runtime import Runtime
from bot.slack import blocks
from bot.store.assets import get_asset, load_asset_image

SNAP = "palette_snap"  # the job kind whose result is a snapped copy of its parent


def swatches(colours: list[str]) -> str:
    return " ".join(f"`{c}`" for c in colours)


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
    lines = [f":art: *Palette* {swatches(palette)} · ΔE00 flag above {threshold:g}"]
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


def anchor_result_line(runtime: Runtime, job: Job, assets: list[dict[str, Any]]) -> list[Any]:
    """Results show the anchor they followed, with its thumbnail when it is shared here."""
    followed = next((a for a in assets if a.get("anchor_id")), None)
    if followed is None:
        return []
    anchor = anchors.get(runtime.store, followed["anchor_id"])
    if anchor is None:
        return []
    anchor = {**anchor, "scale": followed.get("anchor_scale") or anchor["scale"]}
    source = get_asset(runtime.store, anchor["asset_id"])
    file_id = None
    if source and source.get("slack_file_id") and source["channel_id"] == job.channel_id:
        file_id = source["slack_file_id"]
    chosen = str(job.params.get("anchor")) == str(followed["anchor_id"])
    how = "chosen for this draft" if chosen else "followed here"
    return [blocks.anchor_line(anchor, file_id, how)]
