"""A database with a known answer for stats: every figure below is worked out by hand.

Channel C1, last 7 days, 10 assets (2.0 device-s each on an NVIDIA H200):
  #1 marked usable            → usable (marked usable)     flagged near_duplicate
  #2 voted                    → usable (voted)
  #3 approved final of #4     → usable (approved)
  #4 draft promoted to #3     → usable (promoted)
  #5 marked reject (anatomy)  → rejected                   flagged flat
  #6 marked reject, but voted → usable (voted), not rejected
  #7–#10 nothing              → waste                      #7 flagged flat
generated 10 · usable 5 · rejected 1 · yield 50 % · waste-to-asset 1.0 · 20 device-s ·
4.0 device-s per usable. Thread 1 (#1–#4): first draft at t0+1, final approved at t0+601
(600 s); thread 2 (#5–#10) has no final → median 600 s over 1 thread. Recipes: #1–#5 "hero",
the rest none; users: odd numbers U1, even U2. Elsewhere: one asset in C2 (this week) and one
in C1 from 30 days ago (recipe "hero").
"""

from __future__ import annotations

import time

from bot.jobs import rows as jobs
from bot.store.database import Store

NOW = time.time()
T0 = NOW - 3 * 86400


def seed(store: Store) -> dict[int, int]:
    """Returns variant number → asset id for the C1 assets."""
    job = jobs.create_job(store, "draft", {"prompt": "p"}, user_id="U1", channel_id="C1")
    ids: dict[int, int] = {}
    with store.write() as db:
        recipe = db["recipes"].insert({"name": "hero", "template": "x", "tier": "draft"}).last_pk

        def asset(number, channel="C1", created=T0, thread="1.0", **extra):
            row = {
                "sha256": f"s{number}{channel}{created}",
                "path": "x",
                "job_id": job.id,
                "variant": number if channel == "C1" and created >= T0 else 100 + number,
                "seed": number,
                "width": 64,
                "height": 64,
                "tier": "draft",
                "model_id": "m",
                "user_id": "U1" if number % 2 else "U2",
                "channel_id": channel,
                "thread_ts": thread,
                "created_at": created,
                "device_s": 2.0,
                "device_kind": "NVIDIA H200",
                "recipe_id": recipe if number <= 5 else None,
                **extra,
            }
            return db["assets"].insert(row).last_pk

        for number in range(1, 11):
            thread = "1.0" if number <= 4 else "2.0"
            created = T0 + number if number <= 4 else T0 + 1000 + number
            ids[number] = asset(number, created=created, thread=thread)
        db["assets"].update(
            ids[3],
            {"tier": "final", "parent_id": ids[4], "approved": 1, "approved_at": T0 + 1 + 600},
        )
        asset(1, channel="C2")
        asset(2, created=NOW - 30 * 86400)
        marks = [
            (1, "U1", "usable", None),
            (5, "U2", "reject", "anatomy"),
            (6, "U3", "reject", None),
        ]
        for number, user, mark, reason in marks:
            db["qc_marks"].insert(
                {
                    "asset_id": ids[number],
                    "user_id": user,
                    "mark": mark,
                    "reason": reason,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
        for number, user in ((2, "U1"), (6, "U4")):
            db["votes"].insert(
                {"asset_id": ids[number], "user_id": user, "source": "button", "created_at": NOW}
            )
        for number, flag in ((1, "near_duplicate"), (5, "flat"), (7, "flat")):
            db["qc_flags"].insert(
                {
                    "asset_id": ids[number],
                    "flag": flag,
                    "value": 1.0,
                    "threshold": 2.0,
                    "created_at": NOW,
                }
            )
    return ids
