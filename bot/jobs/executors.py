"""Job kind → the function that does the job's work on a generation worker.

One table, so the Slack bot and the CLI run exactly the same kinds; a feature adds its kind here.
Each executor takes (job, runner, store, assets_dir, progress, cancelled) and returns the job's
assets, saved.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.jobs.clips import CLIP_KINDS, run_clip_job
from bot.jobs.edits import run_edit_job, run_resize_job, run_upscale_job
from bot.jobs.generation import run_generation_job
from bot.jobs.palette_snap import run_palette_snap
from bot.jobs.rows import Job
from bot.library.show import REPRODUCE, run_reproduce_job
from bot.review.promotion import run_final_job
from bot.store.database import Store
from models.request import CancelCheck, ProgressCallback

Executor = Callable[[Job, Any, Store, Path, ProgressCallback, CancelCheck], list[dict[str, Any]]]

EXECUTORS: dict[str, Executor] = {
    "draft": run_generation_job,
    "final": run_final_job,
    "palette_snap": run_palette_snap,
    "vary": run_generation_job,  # image-to-image from the source asset (init_asset_id)
    "edit": run_edit_job,
    "resize": run_resize_job,
    "upscale": run_upscale_job,
    REPRODUCE: run_reproduce_job,
}
EXECUTORS.update(dict.fromkeys(CLIP_KINDS, run_clip_job))
