"""The "Snap to palette" job: a colour-corrected copy of one asset, saved as its child.

It runs on a worker like any job (a 1024² image takes a second or two of ΔE00 work), so the
click is acked at once and the result arrives in the thread the usual way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.brand.palette import SNAP_STRENGTH, snap_to_palette
from bot.jobs.rows import Job
from bot.media.png_params import ImageParameters
from bot.store.assets import get_asset, job_assets, load_asset_image, save_image_asset
from bot.store.database import Store
from models.request import CancelCheck, GenerationCancelled, ProgressCallback


def snap_params(asset: dict[str, Any], palette: list[str], aspect: str | None) -> dict[str, Any]:
    """Job params: the source's own settings (so the status message reads the same) plus what
    the snap needs. The palette is copied in, so a retry snaps to the same colours."""
    return {
        "prompt": asset["prompt"] or "",
        "negative_prompt": asset["negative_prompt"] or "",
        "tier": asset["tier"],
        "aspect": aspect or "1:1",
        "width": asset["width"],
        "height": asset["height"],
        "seeds": [asset["seed"]],
        "steps": asset["steps"],
        "source_asset_id": asset["id"],
        "palette": palette,
        "snap_strength": SNAP_STRENGTH,
    }


def run_palette_snap(
    job: Job,
    runner: Any,
    store: Store,
    assets_dir: Path,
    progress: ProgressCallback,
    cancelled: CancelCheck,
) -> list[dict[str, Any]]:
    if job_assets(store, job.id):
        return job_assets(store, job.id)
    params = job.params
    source = get_asset(store, params["source_asset_id"])
    if source is None:
        raise ValueError(f"the source image (asset {params['source_asset_id']}) no longer exists")
    if cancelled():
        raise GenerationCancelled("cancelled before snapping")
    snapped = snap_to_palette(
        load_asset_image(assets_dir, source), params["palette"], params["snap_strength"]
    )
    parameters = ImageParameters(
        prompt=source["prompt"] or "",
        negative_prompt=source["negative_prompt"] or "",
        steps=source["steps"] or 0,
        sampler=source["scheduler"] or "",
        cfg_scale=source["guidance"] or 0.0,
        seed=source["seed"],
        width=snapped.width,
        height=snapped.height,
        model=source["model_id"] or "",
        denoising_strength=source["strength"],
    )
    save_image_asset(
        store,
        assets_dir,
        snapped,
        parameters,
        job_id=job.id,
        variant=1,
        tier=source["tier"],
        scheduler=source["scheduler"] or "",
        parent_id=source["id"],
        user_id=job.user_id,
        channel_id=job.channel_id,
        thread_ts=job.thread_ts,
    )
    progress(0, 1, 1)
    return job_assets(store, job.id)
