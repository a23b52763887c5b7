"""The queue as people see it: every running and queued job with its owner, kind, position (the
engine's own fair order, ``rows.queue_order``) and an ETA.

ETAs come from this worker pool's measured speed: seconds per denoising step of recently finished
jobs, per tier (a job's steps as ``generation.total_steps`` counts them), or a kind's mean
duration for kinds not counted in steps. Workers are simulated: each queued job starts when the
earliest worker frees up.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass
from statistics import median

from bot.jobs import rows as jobs
from bot.jobs.generation import total_steps
from bot.jobs.rows import Job
from bot.store.database import Store
from models.presets import Family

SAMPLE = 50  # finished jobs measured


@dataclass
class Entry:
    job: Job
    position: int | None  # None while running
    starts_in: float | None  # seconds from now; 0 when running; None when unknown
    done_in: float | None


def _steps(job: Job, family: Family) -> int | None:
    try:
        tier = family.tiers[job.params["tier"]]
        return total_steps(job.params, tier.default_steps)
    except (KeyError, TypeError, ValueError):
        return None


class Speed:
    """Measured seconds per step (per tier) and per job (per kind)."""

    def __init__(self, store: Store, family: Family) -> None:
        self.family = family
        per_step: dict[str, list[float]] = {}
        per_job: dict[str, list[float]] = {}
        for row in store.db.query(
            "SELECT * FROM jobs WHERE status = 'done' AND started_at IS NOT NULL "
            "AND finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT ?",
            [SAMPLE],
        ):
            job = Job.from_row(row)
            seconds = max(0.0, (job.finished_at or 0) - (job.started_at or 0))
            per_job.setdefault(job.kind, []).append(seconds)
            steps = _steps(job, family)
            if steps:
                per_step.setdefault(job.params["tier"], []).append(seconds / steps)
        self.per_step = {tier: median(v) for tier, v in per_step.items()}
        self.per_job = {kind: median(v) for kind, v in per_job.items()}

    def estimate(self, job: Job) -> float | None:
        steps = _steps(job, self.family)
        tier = job.params.get("tier")
        if steps and tier in self.per_step:
            return steps * self.per_step[tier]
        if job.kind in self.per_job:
            return self.per_job[job.kind]
        if steps and self.per_step:
            return steps * median(self.per_step.values())
        return None


def queue_entries(store: Store, family: Family, workers: int) -> list[Entry]:
    speed = Speed(store, family)
    now = time.time()
    running = [
        Job.from_row(r)
        for r in store.db["jobs"].rows_where("status = ?", [jobs.RUNNING], order_by="started_at")
    ]
    free: list[float] = []
    entries: list[Entry] = []
    unknown = False
    for job in running:
        estimate = speed.estimate(job)
        left = None if estimate is None else max(0.0, estimate - (now - (job.started_at or now)))
        unknown |= left is None
        free.append(left or 0.0)
        entries.append(Entry(job, None, 0.0, left))
    free += [0.0] * max(0, workers - len(free))
    heapq.heapify(free)
    for position, job_id in enumerate(jobs.queue_order(store), 1):
        job = jobs.get_job(store, job_id)
        start = heapq.heappop(free)
        estimate = speed.estimate(job)
        unknown |= estimate is None
        done = start + (estimate or 0.0)
        heapq.heappush(free, done)
        entries.append(Entry(job, position, None if unknown else start, None if unknown else done))
    return entries


def cancel_mine(store: Store, user: str) -> list[int]:
    """Ids of the caller's queued jobs (cancel them through the engine, which tells hooks)."""
    return [
        r["id"]
        for r in store.db.query(
            "SELECT id FROM jobs WHERE status = 'queued' AND user_id = ? ORDER BY id", [user]
        )
    ]
