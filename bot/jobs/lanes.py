"""Lanes: hosted tiers' jobs run on their own small pool of threads, not on a GPU worker.

A Nano Banana Pro call waits on someone else's servers for tens of seconds; on the GPU worker
that wait would hold up every local draft behind it. So a job whose tier is hosted records its
backend as its ``lane`` when it is made, and the engine's hosted workers (a bounded number per
backend) claim only those jobs while the device workers claim only the rest.
"""

from __future__ import annotations

import time
from typing import Any

from bot.jobs.rows import RUNNING, Job, get_job, queue_order
from bot.store.database import Store
from models.presets import TierPreset


def lane_for(tier: TierPreset) -> dict[str, Any]:
    """The ``lane`` param of a job at this tier (nothing for a local tier)."""
    return {"lane": tier.backend} if tier.hosted else {}


def claim_next_in(store: Store, lane: str | None) -> Job | None:
    """Like rows.claim_next, in fair-share order, but only a job of ``lane`` (None: local)."""
    with store.write() as db:
        for job_id in queue_order(store):
            job = get_job(store, job_id)
            if job.params.get("lane") == lane:
                db["jobs"].update(job_id, {"status": RUNNING, "started_at": time.time()})
                return get_job(store, job_id)
    return None
