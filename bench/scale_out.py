"""Scale-out on Ray, side by side in one run (tiny family, 128 px, CPU workers of one thread).

1. Throughput: the same batch of 1-variant drafts through the Ray engine with 1 worker, then 2.
   Goal: ≥ 1.7× with 2 (on a 2-core machine the two workers are the two cores). Cross-request
   batching is off by default here, so the figure is the workers' parallelism; ``--cross-batch
   on`` compares one worker batching 8 drafts a call with two batching 4 each.
2. Overhead: one 4-variant draft, claimed → assets saved, through the embedded engine and through
   one Ray worker. Goal: Ray ≤ 10 % slower.
3. SQLite as the single writer: job rows created and finished per second, the ceiling of the
   bot's own bookkeeping whatever the number of GPUs.
4. Cancel: seconds from the bot's Cancel to the worker seeing it mid-step (goal < 1 s).

Run: python bench/scale_out.py [--jobs 16] [--rounds 3] [--cross-batch off|on]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ["OMP_NUM_THREADS"] = "1"

import ray
import torch

from bot.config import Settings
from bot.jobs import rows as jobs
from bot.jobs.events import JobHooks
from bot.runtime import build_runtime
from tests.bot.jobs import ray_runners

torch.set_num_threads(1)


def run_jobs(settings: Settings, count: int, variants: int, repeat: int = 1) -> float:
    """Seconds from queueing ``count`` drafts to the last one's assets saved (the median of
    ``repeat`` times in one running bot), after one untimed draft per worker: a worker's first
    call pays one-off costs (first kernels, Ray's first calls) that are not the steady state."""
    runtime = build_runtime(settings, with_slack=False, remote_runner_factory=ray_runners.tiny)
    params = {
        "prompt": "a red sneaker on wet marble", "negative_prompt": "", "tier": "draft",
        "width": 128, "height": 128, "steps": 8, "aspect": "1:1",
    }  # fmt: skip
    left = threading.Semaphore(0)
    made = 0

    def queue(n: int) -> None:
        nonlocal made
        for _ in range(n):
            seeds = [1000 * made + k for k in range(variants)]
            job = jobs.create_job(
                runtime.store, "draft", {**params, "seeds": seeds},
                user_id=f"U{made % 4}", channel_id=None, source="cli",
            )  # fmt: skip
            runtime.events.watch(job.id, JobHooks(on_done=lambda j, a: left.release()))
            made += 1
        runtime.engine.wake()
        for _ in range(n):
            left.acquire(timeout=600)

    runtime.engine.start()
    try:
        runtime.engine.ready.wait(300)  # every worker has loaded its models
        queue(max(1, settings.ray_workers or settings.workers or 1))
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            queue(count)
            times.append(time.perf_counter() - started)
        return statistics.median(times)
    finally:
        runtime.close()


def cancel_latencies(settings: Settings, home: Path, count: int) -> list[float]:
    """Seconds from ``engine.cancel`` to the Ray worker's step seeing it, ``count`` times."""
    latencies = []
    for i in range(count):
        marker = home / f"cancel-{i}"
        runtime = build_runtime(
            settings.with_overrides(home=home / f"c{i}"),
            with_slack=False,
            remote_runner_factory=ray_runners.cancel_clock_factory(str(marker)),
        )
        runtime.engine.start()
        try:
            runtime.engine.ready.wait(300)
            stopped = threading.Event()
            job = jobs.create_job(
                runtime.store, "draft",
                {"prompt": "a kite", "negative_prompt": "", "tier": "draft", "width": 128,
                 "height": 128, "steps": 4, "aspect": "1:1", "seeds": [i]},
                user_id="U1", channel_id=None, source="cli",
            )  # fmt: skip
            runtime.events.watch(job.id, JobHooks(on_cancelled=lambda j, s=stopped: s.set()))
            runtime.engine.wake()
            while jobs.get_job(runtime.store, job.id).status != jobs.RUNNING:
                time.sleep(0.01)
            time.sleep(0.3)  # the worker is inside its first step, holding it
            sent = time.time()
            runtime.engine.cancel(job.id, "U1")
            stopped.wait(60)
            latencies.append(float(marker.read_text()) - sent)
        finally:
            runtime.close()
    return latencies


def sqlite_writes_per_second(home: Path, count: int = 2000) -> float:
    from bot.store.database import Store

    store = Store(home / "writes.db")
    started = time.perf_counter()
    for i in range(count):
        job = jobs.create_job(
            store, "draft", {"prompt": "p", "seeds": [i]}, user_id="U1", channel_id="C1"
        )
        jobs.finish_job(store, job.id, jobs.DONE)
    return 2 * count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--cross-batch", default="off", choices=("on", "off"),
        help="off (default): each draft is its own call, so the figure is the workers' "
        "parallelism; on: one worker batches 8 drafts where two batch 4 each",
    )  # fmt: skip
    args = parser.parse_args()
    ray.init(
        num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False,
        runtime_env={"env_vars": {"OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}},
    )  # fmt: skip
    results: dict[str, list[float]] = {"ray1": [], "ray2": [], "embedded4": [], "ray4": []}
    with tempfile.TemporaryDirectory() as tmp:
        base = Settings(home=Path(tmp), models="tiny", draft_side=128)
        for r in range(args.rounds):  # interleaved rounds: a busy neighbour hits both sides
            home = Path(tmp) / f"r{r}"
            ray1 = base.with_overrides(home=home / "1", engine="ray", ray_workers=1,
                                       cross_batch=args.cross_batch)  # fmt: skip
            ray2 = ray1.with_overrides(home=home / "2", ray_workers=2)
            results["ray1"].append(run_jobs(ray1, args.jobs, 1))
            results["ray2"].append(run_jobs(ray2, args.jobs, 1))
            embedded = base.with_overrides(home=home / "e", workers=1)
            results["embedded4"].append(run_jobs(embedded, 1, 4, repeat=10))
            results["ray4"].append(run_jobs(ray1.with_overrides(home=home / "4"), 1, 4, repeat=10))
        writes = sqlite_writes_per_second(Path(tmp))
        ray_settings = base.with_overrides(engine="ray", ray_workers=1)
        cancels = cancel_latencies(ray_settings, Path(tmp) / "cancel", 5)
    med = {k: statistics.median(v) for k, v in results.items()}
    print(
        f"throughput, {args.jobs} drafts of 1 variant at 128 px, cross-request batching "
        f"{args.cross_batch} (median of {args.rounds}):"
    )
    print(f"  1 Ray worker : {args.jobs / med['ray1']:.2f} drafts/s")
    print(f"  2 Ray workers: {args.jobs / med['ray2']:.2f} drafts/s")
    print(f"  speed-up     : {med['ray1'] / med['ray2']:.2f}x (goal >= 1.7x)")
    print("one 4-variant draft, queued -> assets saved:")
    print(f"  embedded     : {med['embedded4'] * 1000:.0f} ms")
    print(f"  Ray, 1 worker: {med['ray4'] * 1000:.0f} ms")
    print(f"  overhead     : {100 * (med['ray4'] / med['embedded4'] - 1):+.1f} % (goal <= 10 %)")
    print(f"SQLite single writer: {writes:.0f} job writes/s (create + finish)")
    print(
        f"Cancel -> Ray worker: p50 {statistics.median(cancels) * 1000:.0f} ms, "
        f"max {max(cancels) * 1000:.0f} ms over {len(cancels)} (goal < 1000 ms)"
    )


if __name__ == "__main__":
    main()
