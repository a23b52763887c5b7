"""Cancel and time limits that reach a step that hangs.

A job checks for Cancel and its time limit at every step boundary (bot/jobs/engine.py), which
is enough while steps are short. A step that hangs (a stuck driver call, a hosted backend that
never answers, a 40 s decode) never reaches a boundary, so the engine's supervisor watches each
running job too: once a cancel was asked for, or the job's limit passed, and ``grace`` seconds
more went by without the worker reaching a boundary, the run is *abandoned* — the job gets its
verdict at once (cancelled, or failed for its time limit) and its Slack messages say so, the
lane gets a fresh worker thread, and whatever the stuck thread produces later is discarded:
never saved as an asset, never posted, never written over the verdict.

Settling is a race between the worker (reaching its end) and the watchdog (abandoning); one lock
per run makes exactly one of them give the verdict.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.jobs.rows import Job

# Seconds past a cancel request or a time limit before a step that has not reached its boundary
# counts as hung. Abandoning a step that was only slow costs little: the replacement worker
# reuses the runner (see EmbeddedEngine._abandon) and the slow step stops at its next boundary.
HUNG_STEP_GRACE_S = 1.0


class JobAbandoned(Exception):
    """Raised in an abandoned run at its next step boundary: its verdict was already given."""


@dataclass
class ActiveRun:
    """One job running on one worker thread, as the watchdog sees it."""

    job: Job
    runner: Any  # the worker's runner (a replacement worker takes it over)
    lane: Any
    began: float
    limit: float  # seconds (0: no limit)
    cancel_seen_at: float | None = None
    abandoned: threading.Event = field(default_factory=threading.Event)
    settled: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def settle(self) -> bool:
        """The worker reached its end: True if it gives the verdict, False when the watchdog
        already did (the result is late and must be discarded)."""
        with self.lock:
            if self.abandoned.is_set():
                return False
            self.settled = True
            return True

    def abandon(self) -> bool:
        """The watchdog gives the verdict: True unless the worker got there first."""
        with self.lock:
            if self.settled:
                return False
            self.abandoned.set()
            return True

    def overdue(self, cancel_requested: bool, now: float, grace: float) -> str | None:
        """Why this run is hung (``"cancelled"`` or ``"timed_out"``), or None."""
        if cancel_requested and self.cancel_seen_at is None:
            self.cancel_seen_at = now
        if self.cancel_seen_at is not None and now - self.cancel_seen_at >= grace:
            return "cancelled"
        if self.limit and now - self.began >= self.limit + grace:
            return "timed_out"
        return None


_current = threading.local()


def enter(run: ActiveRun | None) -> None:
    """This thread now runs ``run`` (None: nothing the watchdog follows)."""
    _current.run = run


def current() -> ActiveRun | None:
    return getattr(_current, "run", None)


def discarded() -> bool:
    """Whether this thread's run was abandoned: what it makes now is late and must be dropped
    (checked before saving each image, so an abandoned job never gains assets after its
    verdict)."""
    run = current()
    return run is not None and run.abandoned.is_set()


def timeout_message(limit: float) -> str:
    return f"this job ran past its time limit of {limit:g} s"


class RunWatch:
    """The runs an engine's worker threads are in, for its supervisor to check."""

    def __init__(self, grace: float = HUNG_STEP_GRACE_S) -> None:
        self.grace = grace
        self._lock = threading.Lock()
        self._worker_of: dict[threading.Thread, tuple[Any, Any]] = {}
        self._runs: dict[threading.Thread, ActiveRun] = {}
        self.abandoned: set[threading.Thread] = set()

    def worker(self, runner: Any, lane: Any) -> None:
        """This thread is a worker with this runner on this lane."""
        with self._lock:
            self._worker_of[threading.current_thread()] = (runner, lane)

    def begin(self, job: Job, limit: float, began: float) -> ActiveRun | None:
        thread = threading.current_thread()
        with self._lock:
            worker = self._worker_of.get(thread)
            if worker is None:
                return None
            run = ActiveRun(job, worker[0], worker[1], began, limit)
            self._runs[thread] = run
        enter(run)
        return run

    def end(self) -> None:
        with self._lock:
            self._runs.pop(threading.current_thread(), None)
        enter(None)

    def is_abandoned(self, thread: threading.Thread | None = None) -> bool:
        return (thread or threading.current_thread()) in self.abandoned

    def hung(
        self, cancel_requested: Callable[[int], bool]
    ) -> list[tuple[threading.Thread, ActiveRun, str]]:
        """The runs hung now, each already abandoned (so its worker can no longer settle it)
        and forgotten here: the caller gives each its verdict and replaces its thread."""
        with self._lock:
            runs = list(self._runs.items())
        hung = []
        for thread, run in runs:
            reason = run.overdue(cancel_requested(run.job.id), time.monotonic(), self.grace)
            if reason is None or not run.abandon():
                continue
            with self._lock:
                self._runs.pop(thread, None)
                self._worker_of.pop(thread, None)
                self.abandoned.add(thread)
            hung.append((thread, run, reason))
        return hung
