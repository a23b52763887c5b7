"""``/dailies show``: one asset again with everything that made it, and two ways on from it.

*Reproduce exactly* runs the asset's own job body again with its recorded parameters (prompt,
seed, size, steps, guidance, strength, source image, anchor) as a ``reproduce`` job, and says
whether the new file's bytes are identical (sha256). On CPU the tiny and real families are
deterministic, so they must be; on a GPU some kernels are not, and the message says so.
*New thread from it* starts a fresh draft, image-to-image from the asset, in a new thread.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.jobs import rows as jobs
from bot.jobs.draft_options import OptionsError
from bot.jobs.generation import run_generation_job
from bot.jobs.rows import Job
from bot.review.iteration import iteration_params
from bot.review.promotion import lineage
from bot.store.assets import get_asset
from bot.store.database import Store
from models.presets import Family
from models.request import CancelCheck, ProgressCallback

REPRODUCE = "reproduce"
# Kinds whose every variant is (params, seed) → pixels, so running the same params again remakes
# it. Region edits, resizes, upscales and clips have other recipes and are not offered.
REPRODUCIBLE = frozenset({"draft", "vary", "final", REPRODUCE})


class ShowError(OptionsError):
    """Something that cannot be shown or remade; the message says why."""


def reproducible(store: Store, asset: dict[str, Any]) -> bool:
    job = jobs.find_job(store, asset["job_id"])
    return job is not None and job.kind in REPRODUCIBLE and job.params.get("seeds") is not None


def reproduce_params(store: Store, asset: dict[str, Any]) -> dict[str, Any]:
    """The asset's job params narrowed to its own seed, with the anchor it really followed."""
    job = jobs.get_job(store, asset["job_id"])
    if job.kind not in REPRODUCIBLE:
        raise ShowError(
            f"`a{asset['id']}` is a {job.kind} result; only drafts, variations and finals can be "
            "reproduced from their settings."
        )
    params = {
        k: v for k, v in job.params.items() if k not in ("promoted_by", "change", "recipe_slots")
    }
    params.update(
        seeds=[asset["seed"]],
        anchor=str(asset["anchor_id"]) if asset.get("anchor_id") else "none",
        reproduces_asset_id=asset["id"],
    )
    return params


def record_reproduction(
    store: Store, asset: dict[str, Any], user_id: str, channel_id: str, thread_ts: str
) -> Job:
    return jobs.create_job(
        store,
        REPRODUCE,
        reproduce_params(store, asset),
        user_id=user_id,
        channel_id=channel_id,
        thread_ts=thread_ts,
        parent_job_id=asset["job_id"],
        held=True,
    )


def run_reproduce_job(
    job: Job,
    runner: Any,
    store: Store,
    assets_dir: Path,
    progress: ProgressCallback,
    cancelled: CancelCheck,
) -> list[dict[str, Any]]:
    """The same generation as the original (never approving it, unlike a promoted final)."""
    return run_generation_job(job, runner, store, assets_dir, progress, cancelled)


def compare(store: Store, job: Job, assets: list[dict[str, Any]]) -> tuple[bool, str]:
    """(identical, a line saying so) for a finished reproduction."""
    original = get_asset(store, job.params["reproduces_asset_id"])
    if original is None or not assets:
        return False, "The original is gone, so there is nothing to compare with."
    made = assets[0]
    ref = f"`a{original['id']}`"
    if made["sha256"] == original["sha256"]:
        return True, (
            f":white_check_mark: *Identical bytes*: `a{made['id']}` is {ref} exactly "
            f"(sha256 `{made['sha256'][:16]}…`, same seed {made['seed']} and settings)."
        )
    return False, (
        f":warning: *Not identical*: `a{made['id']}` (sha256 `{made['sha256'][:16]}…`) differs "
        f"from {ref} (`{original['sha256'][:16]}…`). Same seed and settings; on a GPU some "
        "kernels are not deterministic, or the model files changed since."
    )


def new_thread_params(
    store: Store, asset: dict[str, Any], settings: Settings, family: Family
) -> dict[str, Any]:
    """A first draft (v1) of a new thread, image-to-image from the asset with its prompt."""
    source = jobs.get_job(store, asset["job_id"])
    if not (asset.get("media_type") or "image/png").startswith("image/"):
        raise ShowError("Only an image can start a new thread; this is a clip.")
    if source.params.get("seeds") is None:
        source = replace(source, params={**source.params, "seeds": [asset["seed"]]})
    params = iteration_params("", asset, source, settings, family, 1)
    params.pop("change", None)
    params["started_from_asset_id"] = asset["id"]
    return params


def lineage_line(store: Store, asset: dict[str, Any]) -> str:
    return " → ".join(
        f"{step.label} (`a{step.asset['id']}`, seed {step.asset['seed']})"
        for step in lineage(store, asset)
    )
