"""Promoting a draft variant to a final render, and the lineage that explains a final.

A final re-renders the chosen draft at the final tier's size and steps, image-to-image from the
draft (so the composition survives) with the draft's seed. Its asset is approved by whoever
promoted it; every asset links to its parent, so the chain final → draft → earlier iterations
can always be walked back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.jobs import rows as jobs
from bot.jobs.generation import run_generation_job
from bot.jobs.lanes import lane_for
from bot.jobs.model_choice import family_of
from bot.jobs.params import aspect_size, asset_aspect, carried_choices
from bot.jobs.rows import Job
from bot.review.iteration import img2img_steps, iteration_of
from bot.slack.blocks import KIND_LABEL
from bot.store.assets import get_asset
from bot.store.database import Store
from models.presets import FINAL, Family
from models.request import CancelCheck, ProgressCallback


def final_params(
    draft: dict[str, Any], draft_job: Job, promoted_by: str, settings: Settings, family: Family
) -> dict[str, Any]:
    family = family_of(draft_job.params, settings, family)  # the draft's, not the default
    preset = family.tiers[FINAL]
    aspect = asset_aspect(draft, draft_job)
    width, height = aspect_size(settings, family, FINAL, aspect)
    strength = preset.default_strength
    return {
        "tier": FINAL,
        "prompt": draft["prompt"] or draft_job.params["prompt"],
        "negative_prompt": draft["negative_prompt"] or "",
        "aspect": aspect,
        "width": width,
        "height": height,
        "seeds": [draft["seed"]],
        "steps": img2img_steps(preset.default_steps, strength, preset.max_steps),
        "guidance": preset.guidance,
        "init_asset_id": draft["id"],
        "strength": strength,
        "promoted_by": promoted_by,
        "source_iteration": iteration_of(draft_job) if draft_job.kind == "draft" else None,
        "source_variant": draft["variant"],
        **carried_choices(draft_job.params),
        **lane_for(preset),
    }


def record_promotion(
    store: Store,
    settings: Settings,
    family: Family,
    draft: dict[str, Any],
    promoted_by: str,
    priority: int,
) -> Job:
    """A held final job in the draft's thread."""
    draft_job = jobs.get_job(store, draft["job_id"])
    return jobs.create_job(
        store,
        "final",
        final_params(draft, draft_job, promoted_by, settings, family),
        user_id=promoted_by,
        channel_id=draft_job.channel_id,
        thread_ts=draft_job.thread_ts,
        parent_job_id=draft_job.id,
        priority=priority,
        held=True,
    )


def run_final_job(
    job: Job,
    runner: Any,
    store: Store,
    assets_dir: Path,
    progress: ProgressCallback,
    cancelled: CancelCheck,
) -> list[dict[str, Any]]:
    """Render like any generation; a promoted final is approved the moment it exists."""
    assets = run_generation_job(job, runner, store, assets_dir, progress, cancelled)
    promoted_by = job.params.get("promoted_by")
    if promoted_by:
        now = time.time()
        with store.write() as db:
            for asset in assets:
                if not asset.get("approved"):
                    db["assets"].update(
                        asset["id"], {"approved": 1, "approved_by": promoted_by, "approved_at": now}
                    )
        assets = [get_asset(store, a["id"]) or a for a in assets]
    return assets


@dataclass(frozen=True)
class Step:
    """One asset in a final's ancestry, with the iteration it belongs to."""

    asset: dict[str, Any]
    job: Job

    @property
    def label(self) -> str:
        if self.job.kind == "final":
            return "FINAL"
        if self.job.kind == "draft":
            return f"v{iteration_of(self.job)} #{self.asset['variant']}"
        kind = KIND_LABEL.get(self.job.kind, self.job.kind.capitalize())
        return f"{kind} #{self.asset['variant']}"


def lineage(store: Store, asset: dict[str, Any]) -> list[Step]:
    """The asset and its ancestors, oldest first (v1 #2 → v2 #3 → FINAL)."""
    chain: list[Step] = []
    seen: set[int] = set()
    current: dict[str, Any] | None = asset
    while current is not None and current["id"] not in seen:
        seen.add(current["id"])
        chain.append(Step(current, jobs.get_job(store, current["job_id"])))
        current = get_asset(store, current["parent_id"]) if current["parent_id"] else None
    return list(reversed(chain))
