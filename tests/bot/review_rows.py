"""A thread's rows written straight into a store: quick fixtures for review logic."""

from __future__ import annotations

from bot.jobs import rows as jobs
from bot.store.database import Store


def draft_job(store: Store, iteration=None, n=2, seed=10, parent=None, init=None, thread="1.0"):
    params = {
        "tier": "draft",
        "prompt": "a cat",
        "negative_prompt": "dogs",
        "aspect": "1:1",
        "width": 128,
        "height": 128,
        "seeds": list(range(seed, seed + n)),
        "steps": 2,
        "guidance": 0.0,
    }
    if iteration:
        params["iteration"] = iteration
    if init:
        params["init_asset_id"] = init
    job = jobs.create_job(
        store,
        "draft",
        params,
        user_id="U1",
        channel_id="C1",
        thread_ts=thread,
        parent_job_id=parent,
    )
    if parent is None and init is None:
        jobs.release_job(store, job.id, thread_ts=thread, message_ts=thread)
    with store.write() as db:
        ids = [
            db["assets"]
            .insert(
                {
                    "sha256": "x",
                    "path": "x",
                    "job_id": job.id,
                    "variant": i + 1,
                    "seed": s,
                    "width": 128,
                    "height": 128,
                    "prompt": "a cat",
                    "negative_prompt": "dogs",
                    "tier": "draft",
                    "parent_id": init,
                    "model_id": "dailies/tiny-sdxl-draft",
                    "channel_id": "C1",
                    "thread_ts": thread,
                }
            )
            .last_pk
            for i, s in enumerate(params["seeds"])
        ]
    return jobs.finish_job(store, job.id, jobs.DONE), ids
