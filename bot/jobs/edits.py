"""Job bodies of region edits, resizes (outpainting) and upscales.

Like run_generation_job, each saves every result as an asset the moment it exists (with the
source as parent), skips what an interrupted run already saved, and returns the job's assets.
Masks are rebuilt from the params (grid cells) or read from the content-addressed mask file, so
a job resumes after a restart exactly as it was asked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image

from bot.jobs.rows import Job
from bot.store.assets import get_asset, job_assets, load_asset_image, save_generated
from bot.store.database import Store
from models import masks
from models.inpaint import InpaintRequest
from models.request import CancelCheck, GeneratedImage, GenerationResult, ProgressCallback
from models.upscale import UpscaleRequest

FEATHER = 0.03  # of the shorter side: the soft band around an edited region
BLEND_BAND = 0.03  # of the shorter target side: where an outpainted area fades into the source
MAX_EDIT_PIXELS_FACTOR = 2.25  # above (1.5 × native side)², edits run at the native pixel count


def _source(store: Store, assets_dir: Path, params: dict[str, Any]) -> tuple[dict, Image.Image]:
    source = get_asset(store, params["source_asset_id"])
    if source is None:
        raise ValueError(f"the source image (asset {params['source_asset_id']}) no longer exists")
    return source, load_asset_image(assets_dir, source)


def _saver(
    store: Store,
    assets_dir: Path,
    job: Job,
    parent_id: int,
    prompt: str,
    pending: list[tuple[int, int]],
) -> Any:
    """on_image callback saving variant ``pending[index]`` with what the runner used."""

    def save(index: int, generated: GeneratedImage, used: GenerationResult) -> None:
        params = job.params
        save_generated(
            store,
            assets_dir,
            job,
            generated,
            used,
            variant=pending[index][0],
            prompt=prompt,
            negative_prompt=params.get("negative_prompt", ""),
            tier=params["tier"],
            parent_id=parent_id,
        )

    return save


def _pending(store: Store, job: Job) -> list[tuple[int, int]]:
    saved = {a["variant"] for a in job_assets(store, job.id)}
    return [(v, s) for v, s in enumerate(job.params["seeds"], start=1) if v not in saved]


def edit_mask(params: dict[str, Any], assets_dir: Path, size: tuple[int, int]) -> Image.Image:
    """The job's soft mask at the source size: grid cells or the uploaded mask, feathered."""
    width, height = size
    if params.get("cells"):
        hard = masks.grid_mask(width, height, params["cells"])
    else:
        with Image.open(assets_dir / params["mask_path"]) as uploaded:
            hard = uploaded.convert("L")
        if hard.size != size:
            hard = hard.resize(size, Image.Resampling.BILINEAR)
    return masks.feather(hard, FEATHER)


def run_edit_job(
    job: Job,
    runner: Any,
    store: Store,
    assets_dir: Path,
    progress: ProgressCallback,
    cancelled: CancelCheck,
) -> list[dict[str, Any]]:
    """Regenerate the masked region of the source, one variant per seed."""
    params = job.params
    pending = _pending(store, job)
    if pending:
        source, image = _source(store, assets_dir, params)
        native = runner.family.tier(params["tier"]).native_side
        work = None
        if image.width * image.height > MAX_EDIT_PIXELS_FACTOR * native * native:
            work = masks.working_size(image.width, image.height, native)
        request = InpaintRequest(
            tier=params["tier"],
            prompt=params["prompt"],
            negative_prompt=params.get("negative_prompt", ""),
            image=image,
            mask=edit_mask(params, assets_dir, image.size),
            seeds=tuple(seed for _, seed in pending),
            steps=params.get("steps"),
            guidance=params.get("guidance"),
            strength=params.get("strength", 1.0),
            work_size=work,
        )
        used = runner.describe_inpaint(request)
        save = _saver(store, assets_dir, job, source["id"], params["prompt"], pending)
        runner.inpaint(
            request,
            progress=progress,
            cancelled=cancelled,
            on_image=lambda index, generated: save(index, generated, used),
        )
    return job_assets(store, job.id)


def run_resize_job(
    job: Job,
    runner: Any,
    store: Store,
    assets_dir: Path,
    progress: ProgressCallback,
    cancelled: CancelCheck,
) -> list[dict[str, Any]]:
    """Outpaint the source to each format: placed unstretched, the new area generated."""
    params = job.params
    pending = _pending(store, job)
    if not pending:
        return job_assets(store, job.id)
    source, image = _source(store, assets_dir, params)
    native = runner.family.tier(params["tier"]).native_side
    total = len(params["seeds"])
    for position, (variant, seed) in enumerate(pending):
        fmt = params["formats"][variant - 1]
        width, height = fmt["width"], fmt["height"]
        canvas, spot = masks.place(image, width, height)
        mask = masks.outpaint_mask(width, height, spot, BLEND_BAND * min(width, height))
        done_before = total - len(pending) + position
        if mask.getextrema()[1] == 0:
            # Same aspect as the source: nothing to generate, only the exact-size resample.
            result = GeneratedImage(image=canvas, seed=seed)
            used = GenerationResult([], source["model_id"] or "", "Lanczos", 0, 0.0)
            _saver(store, assets_dir, job, source["id"], params["prompt"], [(variant, seed)])(
                0, result, used
            )
            continue
        request = InpaintRequest(
            tier=params["tier"],
            prompt=params["prompt"],
            negative_prompt=params.get("negative_prompt", ""),
            image=canvas,
            mask=mask,
            seeds=(seed,),
            steps=params.get("steps"),
            guidance=params.get("guidance"),
            work_size=masks.working_size(width, height, native),
        )
        used = runner.describe_inpaint(request)
        save = _saver(store, assets_dir, job, source["id"], params["prompt"], [(variant, seed)])

        def shifted(index: int, step: int, steps: int, before: int = done_before) -> None:
            progress(before, step, steps)  # image index across the whole job

        runner.inpaint(
            request,
            progress=shifted,
            cancelled=cancelled,
            on_image=lambda index, generated, used=used, save=save: save(index, generated, used),
        )
    return job_assets(store, job.id)


def run_upscale_job(
    job: Job,
    runner: Any,
    store: Store,
    assets_dir: Path,
    progress: ProgressCallback,
    cancelled: CancelCheck,
) -> list[dict[str, Any]]:
    """The source ×2 or ×4 through the family's tiled upscaler: one full-resolution asset.

    The size limit was checked when the job was asked for (it is a bot setting); the request
    carries the recorded output size as its bound, so a changed source cannot grow past it.
    """
    params = job.params
    pending = _pending(store, job)
    if pending:
        source, image = _source(store, assets_dir, params)
        request = UpscaleRequest(
            image=image,
            scale=params["scale"],
            seed=pending[0][1],
            prompt=params.get("prompt", ""),
            negative_prompt=params.get("negative_prompt", ""),
            max_side=max(params["width"], params["height"]),
        )
        result = runner.upscale(request, progress=progress, cancelled=cancelled)
        used = GenerationResult(
            [], result.model_id, result.scheduler, result.steps, result.guidance, None
        )
        save = _saver(store, assets_dir, job, source["id"], params.get("prompt", ""), pending)
        save(0, GeneratedImage(image=result.image, seed=pending[0][1]), used)
    return job_assets(store, job.id)
