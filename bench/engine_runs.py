"""Shared by the batching benchmarks: queue drafts, run them through the real engine, time them.

The engine path is the bot's own (job rows in SQLite, fair claim, cross-request batching,
pipeline call, decode, PNG encode + content-addressed file + asset row on the save pool), minus
Slack. Latency is per job from claimed (``started_at``) to finished (``finished_at``, written
after its PNGs and rows are saved); throughput is images over the wall time of the whole run.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.jobs import rows as jobs
from bot.jobs.engine import EmbeddedEngine
from bot.jobs.events import JobEvents, JobHooks
from bot.store.database import Store

PROMPTS = (
    "a red sneaker on wet marble",
    "a paper lantern over a night market",
    "a ceramic teapot in morning light",
    "a bicycle leaning on a blue door",
)


@dataclass
class Run:
    images: int
    wall_s: float
    latencies_s: list[float]
    # From queued (created_at) to saved: what a person waits, queueing behind others included.
    waits_s: list[float] = field(default_factory=list)

    @property
    def images_per_s(self) -> float:
        return self.images / self.wall_s

    def percentile(self, q: float, values: list[float] | None = None) -> float:
        ordered = sorted(self.latencies_s if values is None else values)
        if len(ordered) == 1:
            return ordered[0]
        return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]


def run_requests(
    runner: Any,
    requests: list[tuple[str, int]],
    *,
    side: int,
    steps: int,
    cross_batch: bool,
    seed: int = 0,
    tier: str = "draft",
) -> Run:
    """Queue ``requests`` ((user, variants) each) at once, run them to the end on one worker."""
    with tempfile.TemporaryDirectory(prefix="dailies-bench-") as home:
        store = Store(Path(home) / "dailies.db")
        ids = []
        for n, (user, variants) in enumerate(requests):
            params = {
                "tier": tier,
                # Each person's own prompt: nothing is shared but the UNet batch.
                "prompt": f"{PROMPTS[n % len(PROMPTS)]}, take {n}",
                "width": side,
                "height": side,
                "steps": steps,
                "seeds": [seed + 100 * n + k for k in range(variants)],
            }
            ids.append(jobs.create_job(store, "draft", params, user_id=user, channel_id="C").id)
        finished = threading.Event()
        failures: list[str] = []

        def ended(job: Any, *_: Any) -> None:
            if all(jobs.get_job(store, i).finished_at for i in ids):
                finished.set()

        def failed(job: Any, message: str) -> None:
            failures.append(message)
            ended(job)

        events = JobEvents()
        events.register(None, JobHooks(on_done=ended, on_failed=failed, on_cancelled=ended))
        engine = EmbeddedEngine(
            store,
            Path(home) / "assets",
            events,
            lambda d: runner,
            [runner.device],
            cross_batch=cross_batch,
        )
        started = time.perf_counter()
        engine.start()
        try:
            if not finished.wait(3600):
                raise RuntimeError("benchmark jobs did not finish within an hour")
        finally:
            wall = time.perf_counter() - started
            engine.stop()
        if failures:
            raise RuntimeError(f"a benchmark job failed: {failures[0]}")
        rows = [jobs.get_job(store, i) for i in ids]
        latencies = [r.finished_at - r.started_at for r in rows]  # type: ignore[operator]
        waits = [r.finished_at - r.created_at for r in rows]  # type: ignore[operator]
        return Run(sum(v for _, v in requests), wall, latencies, waits)


def repeat(times: int, once: Callable[[], Run]) -> Run:
    """``once`` run ``times`` times back to back, pooled into one Run."""
    runs = [once() for _ in range(times)]
    return Run(
        sum(r.images for r in runs),
        sum(r.wall_s for r in runs),
        [lat for r in runs for lat in r.latencies_s],
        [wait for r in runs for wait in r.waits_s],
    )
