"""Jobs are rows before they are work: creating, claiming fairly, finishing and cancelling them.

Every state change is one write transaction, so a crash leaves each job in a state a restart
can resume from (``running`` jobs go back to ``queued``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from bot import logs
from bot.store.database import Store

# held: accepted and recorded, waiting for its status message to be posted before workers see it.
HELD = "held"
QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINISHED = (DONE, FAILED, CANCELLED)


@dataclass
class Job:
    id: int
    kind: str
    status: str
    params: dict[str, Any]
    user_id: str | None = None
    channel_id: str | None = None
    thread_ts: str | None = None
    message_ts: str | None = None
    source: str = "slack"
    priority: int = 0
    parent_job_id: int | None = None
    attempt: int = 1
    cancel_requested: bool = False
    cancelled_by: str | None = None
    error: str | None = None
    created_at: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None
    reported_at: float | None = None
    worker_losses: int = 0
    # Times the job was put back in the queue because the process stopped while it ran.
    resumes: int = 0
    # Tries at posting a finished job's outcome that failed, and when the next one is due.
    delivery_attempts: int = 0
    delivery_next_at: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Job:
        values = dict(row)
        values["params"] = json.loads(values["params"])
        values["cancel_requested"] = bool(values.get("cancel_requested"))
        return cls(**values)


def create_job(
    store: Store,
    kind: str,
    params: dict[str, Any],
    *,
    user_id: str | None,
    channel_id: str | None,
    thread_ts: str | None = None,
    source: str = "slack",
    priority: int = 0,
    parent_job_id: int | None = None,
    attempt: int = 1,
    held: bool = False,
) -> Job:
    """Record a job. ``held`` keeps workers off it until ``release_job`` says where it reports,
    so a fast job can never finish before the message that will show its result exists."""
    row = {
        "kind": kind,
        "status": HELD if held else QUEUED,
        "params": json.dumps(params, sort_keys=True),
        "source": source,
        "user_id": user_id,
        "channel_id": channel_id,
        "thread_ts": thread_ts,
        "priority": priority,
        "parent_job_id": parent_job_id,
        "attempt": attempt,
        "created_at": time.time(),
    }
    with store.write() as db:
        job_id = db["jobs"].insert(row).last_pk
    job = get_job(store, job_id)
    logs.job_changed(job, "recorded", source=source)
    return job


def release_job(store: Store, job_id: int, *, thread_ts: str | None, message_ts: str | None) -> Job:
    with store.write() as db:
        db["jobs"].update(
            job_id, {"status": QUEUED, "thread_ts": thread_ts, "message_ts": message_ts}
        )
    return get_job(store, job_id)


def held_jobs(store: Store) -> list[Job]:
    return [
        Job.from_row(r) for r in store.db["jobs"].rows_where("status = ?", [HELD], order_by="id")
    ]


def get_job(store: Store, job_id: int) -> Job:
    return Job.from_row(store.db["jobs"].get(job_id))


def find_job(store: Store, job_id: int) -> Job | None:
    rows = list(store.db["jobs"].rows_where("id = ?", [job_id]))
    return Job.from_row(rows[0]) if rows else None


def update_job(store: Store, job_id: int, **changes: Any) -> None:
    with store.write() as db:
        db["jobs"].update(job_id, changes)


# Per queued job, its owner's latest start: an index seek on jobs(user_id, started_at)
# (migration m009), not a GROUP BY over every job ever run (129 ms at 250k jobs, in the lock).
_FAIR_ORDER_SQL = """
SELECT j.id, j.user_id, j.priority, j.created_at,
    (SELECT MAX(k.started_at) FROM jobs k WHERE k.user_id IS j.user_id) AS last_started
FROM jobs j
WHERE j.status = 'queued'
ORDER BY j.priority DESC, j.created_at, j.id
"""


def queue_order(store: Store) -> list[int]:
    """Queued job ids in the order workers will take them.

    Fair share: among jobs of the highest priority, the next one belongs to the person whose
    last job started longest ago (never is longest), oldest first. One person's batch of eight
    therefore alternates with everybody else's work instead of blocking it.
    """
    pending = [dict(r) for r in store.db.query(_FAIR_ORDER_SQL)]
    last = {r["user_id"]: r["last_started"] or 0.0 for r in pending}
    order: list[int] = []
    clock = time.time()
    while pending:
        top = max(r["priority"] for r in pending)
        candidates = [r for r in pending if r["priority"] == top]
        pick = min(candidates, key=lambda r: (last[r["user_id"]], r["created_at"], r["id"]))
        order.append(pick["id"])
        pending.remove(pick)
        clock += 1e-6
        last[pick["user_id"]] = clock
    return order


def queue_position(store: Store, job_id: int) -> int | None:
    """1 when the job is next; None when it is not queued."""
    order = queue_order(store)
    return order.index(job_id) + 1 if job_id in order else None


def running_count(store: Store) -> int:
    return store.db["jobs"].count_where("status = ?", [RUNNING])


def claim_next(store: Store) -> Job | None:
    """Move the fairest queued job to running and return it, or None when nothing is queued."""
    with store.write() as db:
        order = queue_order(store)
        if not order:
            return None
        job_id = order[0]
        db["jobs"].update(job_id, {"status": RUNNING, "started_at": time.time()})
    return get_job(store, job_id)


def requeue_interrupted(store: Store) -> int:
    """At start-up, jobs that were running when the bot stopped go back to the queue."""
    with store.write() as db:
        cursor = db.execute(
            "UPDATE jobs SET status = ?, started_at = NULL, resumes = resumes + 1 WHERE status = ?",
            [QUEUED, RUNNING],
        )
        return cursor.rowcount


def requeue(store: Store, job_id: int) -> None:
    """Back to the queue, keeping its place (created_at) and seeds: its worker was lost."""
    update_job(store, job_id, status=QUEUED, started_at=None)


def count_worker_loss(store: Store, job_id: int) -> int:
    """One more worker died under this job; returns how many have."""
    with store.write() as db:
        db.execute("UPDATE jobs SET worker_losses = worker_losses + 1 WHERE id = ?", [job_id])
        row = db.execute("SELECT worker_losses FROM jobs WHERE id = ?", [job_id]).fetchone()
    return int(row[0])


def fail_poison_jobs(store: Store, max_resumes: int) -> list[Job]:
    """At start-up, before ``requeue_interrupted``: a job that was running when the process
    died ``max_resumes`` times (an OOM kill, a native crash) is failed instead of being run, and
    kill, again — otherwise nobody else's job would ever run."""
    if max_resumes <= 0:
        return []
    times = "twice" if max_resumes == 2 else f"{max_resumes} times"
    message = f"this job stopped the worker {times}, so it was not run again"
    with store.write() as db:
        ids = [
            r[0]
            for r in db.execute(
                "SELECT id FROM jobs WHERE status = ? AND resumes + 1 >= ?", [RUNNING, max_resumes]
            ).fetchall()
        ]
        for job_id in ids:
            db["jobs"].update(
                job_id, {"status": FAILED, "error": message, "finished_at": time.time()}
            )
    return [get_job(store, job_id) for job_id in ids]


def finish_job(store: Store, job_id: int, status: str, error: str | None = None) -> Job:
    update_job(store, job_id, status=status, error=error, finished_at=time.time())
    return get_job(store, job_id)


def request_cancel(store: Store, job_id: int, user_id: str | None) -> Job:
    """Cancel a queued job at once; ask a running one to stop at its next step.

    Returns the job as it is afterwards; a finished job is returned unchanged.
    """
    with store.write() as db:
        job = get_job(store, job_id)
        if job.status in (QUEUED, HELD):
            db["jobs"].update(
                job_id,
                {"status": CANCELLED, "cancelled_by": user_id, "finished_at": time.time()},
            )
        elif job.status == RUNNING:
            db["jobs"].update(job_id, {"cancel_requested": 1, "cancelled_by": user_id})
    return get_job(store, job_id)


def unfinished_jobs(store: Store, source: str) -> list[Job]:
    rows = store.db["jobs"].rows_where(
        "status IN (?, ?, ?) AND source = ?", [QUEUED, RUNNING, HELD, source], order_by="id"
    )
    return [Job.from_row(r) for r in rows]


def mark_reported(store: Store, job_id: int) -> None:
    update_job(store, job_id, reported_at=time.time())


def unreported_jobs(store: Store, source: str) -> list[Job]:
    """Finished jobs whose outcome nobody was shown yet, oldest first."""
    rows = store.db["jobs"].rows_where(
        "finished_at IS NOT NULL AND reported_at IS NULL AND source = ?", [source], order_by="id"
    )
    return [Job.from_row(r) for r in rows]


def requeue_stopped(store: Store, job_id: int) -> None:
    """A running job the engine stopped on purpose (shutdown) goes back to the queue as it was:
    it did not stop the worker, so it must not count as a resume."""
    with store.write() as db:
        db.execute(
            "UPDATE jobs SET status = ?, started_at = NULL WHERE id = ? AND status = ?",
            [QUEUED, job_id, RUNNING],
        )


def cancel_requested(store: Store, job_id: int) -> bool:
    row = store.db.execute("SELECT cancel_requested FROM jobs WHERE id = ?", [job_id]).fetchone()
    return bool(row and row[0])


def defer_delivery(store: Store, job_id: int, first_wait_s: float, tries: int) -> Job:
    """Posting this finished job's outcome failed: count the try and say when the next is due
    (``first_wait_s`` doubling each time); after ``tries`` none is scheduled (Post again or the
    next start still tries)."""
    with store.write() as db:
        job = get_job(store, job_id)
        attempts = job.delivery_attempts + 1
        due = time.time() + first_wait_s * 2 ** (attempts - 1) if attempts < tries else None
        db["jobs"].update(job_id, {"delivery_attempts": attempts, "delivery_next_at": due})
    return get_job(store, job_id)


def claim_due_deliveries(store: Store, source: str, lease_s: float) -> list[Job]:
    """Unreported jobs whose next delivery try is due, each leased for ``lease_s`` so a slow try
    is not started twice."""
    now = time.time()
    with store.write() as db:
        rows = list(
            db["jobs"].rows_where(
                "finished_at IS NOT NULL AND reported_at IS NULL AND source = ?"
                " AND delivery_next_at IS NOT NULL AND delivery_next_at <= ?",
                [source, now],
                order_by="id",
            )
        )
        for row in rows:
            db["jobs"].update(row["id"], {"delivery_next_at": now + lease_s})
    return [Job.from_row(r) for r in rows]
