"""Device seconds per asset: what each job's model calls cost, measured on the worker.

Every job body reaches the models through its runner's ``generate``, ``inpaint``, ``upscale``
and ``animate``; ``run_metered`` hands the body a runner that times exactly those calls (wall
time, with ``torch.cuda.synchronize`` before and after on CUDA so queued kernels are counted
where they run) and then writes the seconds onto the assets the job made in this run. A run's
seconds are shared evenly by its new assets: a batched call makes its images together, so an
even share is the only honest per-image figure, and the sum per job is exact either way. Model
loading is not counted (it is paid once per worker, not per asset). Time spent on an image that a
cancel threw away is carried by the images that were kept: it was spent to make them.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.jobs.rows import Job
from bot.store.database import Store

log = logging.getLogger(__name__)

METERED_CALLS = ("generate", "inpaint", "upscale", "animate")


def device_kind(device: str) -> str:
    """``cpu``, or the GPU's name (``NVIDIA H200``) for a CUDA device."""
    if not str(device).startswith("cuda"):
        return str(device).split(":", 1)[0] or "cpu"
    import torch

    if not torch.cuda.is_available():
        return "cuda"
    return torch.cuda.get_device_name(torch.device(device))


def synchronize(device: str) -> None:
    """Wait for the device's queued work, so a wall-clock figure is the device's real time."""
    if str(device).startswith("cuda"):
        import torch

        if torch.cuda.is_available():
            torch.cuda.synchronize(torch.device(device))


class MeteredRunner:
    """A runner that adds up the wall time of its model calls; everything else passes through."""

    def __init__(self, runner: Any) -> None:
        self._runner = runner
        self.device = str(getattr(runner, "device", "cpu"))
        self.seconds = 0.0
        self.calls = 0
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._runner, name)
        if name in METERED_CALLS and callable(attribute):
            return self._timed(attribute)
        return attribute

    def _timed(self, call: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(call)
        def timed(*args: Any, **kwargs: Any) -> Any:
            synchronize(self.device)
            started = time.perf_counter()
            try:
                result = call(*args, **kwargs)
            finally:
                synchronize(self.device)
                spent = time.perf_counter() - started
                with self._lock:
                    self.seconds += spent
                    self.calls += 1
            # A first call that loaded the family reports it; loading is not per-asset work.
            timings = getattr(result, "timings", None) or {}
            load_s = float(timings.get("load_s") or 0.0)
            if load_s:
                with self._lock:
                    self.seconds = max(0.0, self.seconds - load_s)
            return result

        return timed


def record_device_seconds(store: Store, asset_ids: list[int], seconds: float, kind: str) -> None:
    """Share ``seconds`` evenly over the assets a run made; assets keep any earlier figure."""
    if not asset_ids:
        return
    share = seconds / len(asset_ids)
    with store.write() as db:
        db.conn.executemany(
            "UPDATE assets SET device_s = ?, device_kind = ? WHERE id = ? AND device_s IS NULL",
            [(share, kind, asset_id) for asset_id in asset_ids],
        )


def _asset_ids(store: Store, job_id: int) -> set[int]:
    return {row["id"] for row in store.db.query("SELECT id FROM assets WHERE job_id = ?", [job_id])}


def run_metered(
    executor: Callable[..., list[dict[str, Any]]],
    job: Job,
    runner: Any,
    store: Store,
    assets_dir: Path,
    *args: Any,
) -> list[dict[str, Any]]:
    """Run a job body with a metered runner and record the device seconds on its new assets
    (also when the body stops with a cancel or an error: what was made keeps its cost)."""
    before = _asset_ids(store, job.id)
    metered = MeteredRunner(runner)
    try:
        assets = executor(job, metered, store, assets_dir, *args)
    finally:
        made = sorted(_asset_ids(store, job.id) - before)
        if made and metered.calls:
            try:
                record_device_seconds(store, made, metered.seconds, device_kind(metered.device))
            except Exception:  # accounting must never change a job's outcome
                log.exception("job %s: recording device seconds failed", job.id)
    for asset in assets:
        if asset["id"] in made and asset.get("device_s") is None and metered.calls:
            asset["device_s"] = metered.seconds / len(made)
            asset["device_kind"] = device_kind(metered.device)
    return assets
