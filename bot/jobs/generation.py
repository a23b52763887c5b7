"""The job body shared by every text/image-to-image kind (draft, re-roll, retry, final…).

Job params are plain JSON so a job can be re-run after a restart and an asset can be remade from
its row; this module is the one place that turns them into a models request and saves results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.brand import anchors
from bot.jobs import watchdog
from bot.jobs.rows import Job
from bot.store.assets import (
    BackgroundSaves,
    get_asset,
    job_assets,
    load_asset_image,
    save_generated,
)
from bot.store.database import Store
from models.request import (
    CancelCheck,
    GeneratedImage,
    GenerationRequest,
    LoraUse,
    ProgressCallback,
)
from models.runner import ModelRunner


def total_steps(params: dict[str, Any], default_steps: int) -> int:
    steps = params.get("steps") or default_steps
    strength = params.get("strength")
    if params.get("init_asset_id") and strength:
        steps = max(1, int(steps * strength))
    return steps * len(params["seeds"])


@dataclass
class GenerationPlan:
    """A job's missing variants as a models request, and how to save each image it yields."""

    job: Job
    request: GenerationRequest
    save: Callable[[int, GeneratedImage], None]
    saves: BackgroundSaves
    # The asset id of the style anchor (None: unanchored); jobs share a batch only with the
    # same anchor.
    anchor_id: int | None


def plan_generation(
    job: Job, runner: ModelRunner, store: Store, assets_dir: Path
) -> GenerationPlan | None:
    """What is left to make for ``job`` (None: every variant is already saved).

    Variants saved before an interruption are kept, so a resumed job only makes the rest. Saves
    run on the plan's ``saves`` pool; leave it (``with plan.saves``) before reporting the job.
    """
    params = job.params
    saved = {a["variant"] for a in job_assets(store, job.id)}
    # A Retry of what a failed job did not make keeps those variants' numbers (``variants``).
    numbers = params.get("variants") or range(1, len(params["seeds"]) + 1)
    pending = [(v, s) for v, s in zip(numbers, params["seeds"], strict=True) if v not in saved]
    if not pending:
        return None
    parent_id = params.get("init_asset_id")
    init_image = None
    if parent_id:
        parent = get_asset(store, parent_id)
        if parent is None:
            raise ValueError(f"the source image (asset {parent_id}) no longer exists")
        init_image = load_asset_image(assets_dir, parent)
    anchor = anchors.for_job(store, params, job.channel_id, job.thread_ts)
    anchor_image = None
    if anchor is not None:
        anchor_asset = get_asset(store, anchor["asset_id"])
        if anchor_asset is None:
            raise ValueError(f"the style anchor {anchor['name']!r} has lost its image")
        anchor_image = load_asset_image(assets_dir, anchor_asset)
    request = GenerationRequest(
        tier=params["tier"],
        prompt=params["prompt"],
        negative_prompt=params.get("negative_prompt", ""),
        width=params["width"],
        height=params["height"],
        seeds=tuple(seed for _, seed in pending),
        steps=params.get("steps"),
        guidance=params.get("guidance"),
        init_image=init_image,
        strength=params.get("strength") if init_image is not None else None,
        anchor_image=anchor_image,
        anchor_scale=anchor["scale"] if anchor is not None else None,
        loras=tuple(LoraUse(**lora) for lora in params.get("loras") or ()),
    )
    used = runner.describe(request)
    saves = BackgroundSaves()

    def save(index: int, generated: GeneratedImage) -> None:
        """Save each variant as soon as it exists: a cancel or crash keeps what was made. An
        image of a run the watchdog abandoned (its step hung) is late and is not saved."""
        if watchdog.discarded():
            return
        saves.submit(
            lambda: save_generated(
                store,
                assets_dir,
                job,
                generated,
                used,
                variant=pending[index][0],
                prompt=request.prompt,
                negative_prompt=request.negative_prompt,
                tier=request.tier,
                parent_id=parent_id,
                extra={
                    "anchor_id": anchor["id"] if anchor is not None else None,
                    "anchor_scale": used.anchor_scale,
                    "recipe_id": params.get("recipe_id"),
                },
            )
        )

    return GenerationPlan(job, request, save, saves, anchor["id"] if anchor is not None else None)


def run_generation_job(
    job: Job,
    runner: ModelRunner,
    store: Store,
    assets_dir: Path,
    progress: ProgressCallback,
    cancelled: CancelCheck,
) -> list[dict[str, Any]]:
    """Generate the job's missing variants (one batched call), save each as an asset, return
    all its assets."""
    plan = plan_generation(job, runner, store, assets_dir)
    if plan is not None:
        with plan.saves:
            runner.generate(
                plan.request, progress=progress, cancelled=cancelled, on_image=plan.save
            )
    return job_assets(store, job.id)
