"""How a job's run ends: its end state written, its hooks told, its error in plain words.

Split from bot/jobs/engine.py, which re-exports ``plain_error`` and ``MAX_WORKER_LOSSES``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.jobs import rows as jobs
from bot.jobs.rows import Job
from models.hub import ModelUnavailable

if TYPE_CHECKING:
    from bot.jobs.engine import Engine

log = logging.getLogger(__name__)

# A job whose worker died this many times is failed instead of tried again: it may be the cause.
MAX_WORKER_LOSSES = 2


def conclude(engine: Engine, job: Job, outcome: tuple[str, Any]) -> None:
    """Write a run's end state (what ``Engine.run_job`` caught: its kind and value) and tell
    the job's hooks."""
    kind, value = outcome
    if kind == "stopping":
        log.info("job %s interrupted by shutdown; it will resume at the next start", job.id)
        jobs.requeue_stopped(engine.store, job.id)
    elif kind == "cancelled":
        engine.events.cancelled(jobs.finish_job(engine.store, job.id, jobs.CANCELLED))
    elif kind == "lost":
        losses = jobs.count_worker_loss(engine.store, job.id)
        if losses < MAX_WORKER_LOSSES:
            # Tried once more on another worker, same seeds; variants already saved stay.
            log.warning("job %s lost its worker (%s); running it again", job.id, value)
            jobs.requeue(engine.store, job.id)
            engine.wake()
            return
        message = f"the worker running this job died {losses} times ({value})"
        engine.events.failed(jobs.finish_job(engine.store, job.id, jobs.FAILED, message), message)
    elif kind == "failed":
        log.error("job %s failed", job.id, exc_info=value)
        message = plain_error(value)
        engine.events.failed(jobs.finish_job(engine.store, job.id, jobs.FAILED, message), message)
    elif kind == "done":
        engine.events.done(jobs.finish_job(engine.store, job.id, jobs.DONE), value)


def plain_error(exc: BaseException) -> str:
    """An exception as a person can read it: no traceback, the cause in its own words."""
    if isinstance(exc, SystemExit | KeyboardInterrupt):
        return f"the job tried to stop the worker ({type(exc).__name__}); the worker carries on"
    text = str(exc).strip() or type(exc).__name__
    if "out of memory" in text.lower():
        return "the GPU ran out of memory; try fewer variants or a smaller size"
    if isinstance(exc, ModelUnavailable):
        # Its one line ends with the fix (the Hub, a cache, or the tiny family): never cut it.
        return text.splitlines()[0]
    return text.splitlines()[0][:500]
