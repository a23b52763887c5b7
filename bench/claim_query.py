"""The fair-share claim query at 25k and 250k jobs, side by side: before and after migration m009.

Before: each person's latest start came from a GROUP BY over every job ever run, inside the
write lock every worker claims under. After: a correlated MAX per queued job, answered by an
index seek on jobs(user_id, started_at). Also shown: the new query without the index.
Run: python bench/claim_query.py [--jobs 25000 250000] [--queued 20] [--rounds 20]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.jobs import rows as jobs
from bot.store.database import Store

OLD_SQL = """
SELECT j.id, j.user_id, j.priority, j.created_at, u.last_started
FROM jobs j
LEFT JOIN (
    SELECT user_id, MAX(started_at) AS last_started FROM jobs
    WHERE started_at IS NOT NULL GROUP BY user_id
) u ON u.user_id IS j.user_id
WHERE j.status = 'queued'
ORDER BY j.priority DESC, j.created_at, j.id
"""
INDEX = "idx_jobs_user_id_started_at"


def fill(store: Store, total: int, queued: int, users: int = 300) -> None:
    rng = random.Random(7)
    now = time.time()
    params = json.dumps({"tier": "draft", "seeds": [1, 2, 3, 4], "prompt": "p"})
    rows = []
    for n in range(total):
        started = now - (total - n) * 10.0
        done = n < total - queued
        rows.append(
            (
                "draft",
                "done" if done else "queued",
                params,
                "slack",
                f"U{rng.randrange(users)}",
                "C1",
                0,
                1,
                0,
                started - 1,
                started if done else None,
                started + 2 if done else None,
            )
        )
    with store.write() as db:
        db.conn.executemany(
            "INSERT INTO jobs (kind, status, params, source, user_id, channel_id, priority, "
            "attempt, cancel_requested, created_at, started_at, finished_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def timed(store: Store, sql: str, rounds: int) -> float:
    seconds = []
    for _ in range(rounds):
        started = time.perf_counter()
        list(store.db.query(sql))
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, nargs="+", default=[25_000, 250_000])
    parser.add_argument("--queued", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    print(f"fair-share claim query, {args.queued} queued, median of {args.rounds} (ms):")
    print(f"  {'jobs':>8}  {'before m009':>12}  {'after m009':>11}  {'new SQL, no index':>18}")
    for total in args.jobs:
        with tempfile.TemporaryDirectory() as home:
            store = Store(Path(home) / "dailies.db")
            fill(store, total, args.queued)
            store.db.execute("ANALYZE")
            new_sql = jobs._FAIR_ORDER_SQL
            after = timed(store, new_sql, args.rounds)
            with store.write() as db:
                db.execute(f"DROP INDEX {INDEX}")
            before = timed(store, OLD_SQL, args.rounds)
            unindexed = timed(store, new_sql, args.rounds)
        print(
            f"  {total:>8}  {before * 1000:>12.2f}  {after * 1000:>11.2f}  "
            f"{unindexed * 1000:>18.2f}"
        )


if __name__ == "__main__":
    main()
