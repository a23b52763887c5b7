"""The engine: claims queued jobs and runs them on generation workers.

``Engine`` is the interface handlers see (start, stop, wake, cancel); ``EmbeddedEngine`` runs a
worker thread per device in this process, each with its own ModelRunner (pipelines are not
thread-safe, and each device holds its own weights). A Ray engine can implement the same
interface with GPU actors while this process stays the single writer of SQLite and Slack.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from bot.jobs import batching, watchdog
from bot.jobs import rows as jobs
from bot.jobs.events import JobEvents
from bot.jobs.executors import EXECUTORS
from bot.jobs.lanes import claim_next_in
from bot.jobs.outcomes import MAX_WORKER_LOSSES as MAX_WORKER_LOSSES
from bot.jobs.outcomes import conclude
from bot.jobs.outcomes import plain_error as plain_error
from bot.jobs.rows import Job
from bot.jobs.watchdog import ActiveRun, JobAbandoned
from bot.quality.compute import run_metered
from bot.store.database import Store
from models.request import GenerationCancelled

log = logging.getLogger(__name__)
ALL_LANES = "*"  # a device worker that also runs hosted jobs (no hosted lane is running)


class Runner(Protocol):
    """What the engine needs of a generation worker (models.runner.ModelRunner in production)."""

    def describe(self, request: Any) -> Any: ...

    def generate(
        self, request: Any, progress: Any = None, cancelled: Any = None, **kwargs: Any
    ) -> Any: ...


class EngineStopping(Exception):
    """Raised inside a running generation when the engine shuts down; the job stays resumable."""


class JobTimedOut(Exception):
    """Raised at a step boundary of a job that ran past its kind's time limit."""


class WorkerLost(Exception):
    """The worker process running a job died (killed, out of memory, its node gone)."""


class Engine(ABC):
    # Worker health (set from Settings by build_runtime): a job that was running when the process
    # died this many times is failed at start; seconds a job of a kind may run (0: no limit).
    max_resumes: int = 2
    timeout_for: Callable[[str], float] = staticmethod(lambda kind: 0.0)
    # Called (from a worker thread) when ``waiting_for()`` changes, so queued jobs' messages can
    # say why nothing starts; set by the Slack side.
    on_waiting_change: Callable[[str | None], None] | None = None

    def __init__(self, store: Store, assets_dir: Path, events: JobEvents) -> None:
        self.store = store
        self.assets_dir = assets_dir
        self.events = events

    def waiting_for(self) -> str | None:
        """Why queued jobs cannot start now (no worker reachable), or None: in-process workers
        are always there."""
        return None

    def fail_poison_jobs(self) -> None:
        """Jobs that keep killing the process are failed (with Retry), not run again."""
        for job in jobs.fail_poison_jobs(self.store, self.max_resumes):
            log.error("job %s stopped the worker %d times; failing it", job.id, self.max_resumes)
            self.events.failed(job, job.error or "")

    @abstractmethod
    def start(self) -> None: ...

    @abstractmethod
    def stop(self, timeout: float = 30.0) -> None: ...

    @abstractmethod
    def wake(self) -> None:
        """A job was queued: let an idle worker claim it."""

    def cancel(self, job_id: int, user_id: str | None) -> Job:
        job = jobs.request_cancel(self.store, job_id, user_id)
        if job.status == jobs.CANCELLED:
            self.events.cancelled(job)
        return job

    def begin_run(self, job: Job, limit: float, began: float) -> ActiveRun | None:
        """A job starts on this thread: the run the hung-step watchdog follows (None: no
        watchdog; the embedded engine's supervisor is one)."""
        return None

    def end_run(self) -> None:
        """The job on this thread reached its end (or was abandoned and came back)."""
        return None

    def run_job(self, job: Job, runner: Runner, stopping: threading.Event) -> None:
        """Run one claimed job to its end state and tell its hooks; shared by every engine."""
        self.events.started(job)
        progress = job_progress(self.events, job)
        limit = self.timeout_for(job.kind)
        began = time.monotonic()
        run = self.begin_run(job, limit, began)

        def cancelled() -> bool:
            if run is not None and run.abandoned.is_set():
                raise JobAbandoned()
            if stopping.is_set():
                raise EngineStopping()
            if limit and time.monotonic() - began > limit:
                raise JobTimedOut(watchdog.timeout_message(limit))
            return jobs.cancel_requested(self.store, job.id)

        executor = EXECUTORS.get(job.kind)
        outcome: tuple[str, Any]
        try:
            if executor is None:
                raise ValueError(f"no executor for job kind {job.kind!r}")
            # A worker holding several families (bot/jobs/family_runners.py) runs each job on
            # the family recorded in its params.
            for_family = getattr(runner, "for_family", None)
            if for_family is not None:
                runner = for_family(job.params.get("family"))
            assets = run_metered(
                executor, job, runner, self.store, self.assets_dir, progress, cancelled
            )
            outcome = ("done", assets)
        except JobAbandoned:
            outcome = ("abandoned", None)
        except EngineStopping:
            outcome = ("stopping", None)
        except GenerationCancelled:
            outcome = ("cancelled", None)
        except WorkerLost as exc:
            outcome = ("lost", exc)
        except (Exception, SystemExit, KeyboardInterrupt) as exc:  # a job never kills its worker
            outcome = ("failed", exc)
        finally:
            self.end_run()
        if run is not None and not run.settle():
            # The watchdog gave this job its verdict while the step hung: what came back late
            # is dropped, never posted and never written over the verdict.
            log.info("job %s: its abandoned step ended (%s); discarded", job.id, outcome[0])
            return
        conclude(self, job, outcome)


def job_progress(events: JobEvents, job: Job) -> Callable[[int, int, int], None]:
    """A runner progress callback for one job: steps done summed over its images, which a
    batched call advances together (image 0 step 1, image 1 step 1, …)."""
    done: dict[int, int] = {}

    def progress(image_index: int, step: int, steps: int) -> None:
        done[image_index] = step
        total = steps * len(job.params.get("seeds", [None]))
        events.progress(job, min(sum(done.values()), total), total)

    return progress


class EmbeddedEngine(Engine):
    """Worker threads in this process, one per device, each loading its pipelines once."""

    def __init__(
        self,
        store: Store,
        assets_dir: Path,
        events: JobEvents,
        runner_factory: Callable[[str], Runner],
        devices: list[str],
        *,
        cross_batch: bool = True,
        hosted_lanes: dict[str, int] | None = None,
    ) -> None:
        """``cross_batch``: merge compatible queued jobs of different people into one call
        (bot/jobs/batching.py), up to the runner's ``max_batch`` images."""
        super().__init__(store, assets_dir, events)
        self.cross_batch = cross_batch
        self.runner_factory = runner_factory
        self.devices = devices
        # Hosted backend → how many of its calls may run at once (bot/jobs/lanes.py).
        self.hosted_lanes = {k: v for k, v in (hosted_lanes or {}).items() if v > 0}
        self._wakeup = threading.Condition()
        self._pending_wake = False
        self._stopping = threading.Event()
        # Each worker thread with what starts its replacement (the supervisor's job).
        self._threads: list[tuple[threading.Thread, Callable[[], threading.Thread]]] = []
        self._retired: set[threading.Thread] = set()
        self._workers_lock = threading.Lock()
        self._busy_local = 0  # device workers between a claim and the end of its jobs
        self.replaced_workers = 0
        # The hung-step watchdog (bot/jobs/watchdog.py): what each worker thread is running.
        self.watch = watchdog.RunWatch()
        self.abandoned_workers = 0
        self.ready = threading.Event()
        self._ready_count = 0

    def start(self) -> None:
        self.fail_poison_jobs()
        resumed = jobs.requeue_interrupted(self.store)
        if resumed:
            log.info("resuming %d interrupted job(s)", resumed)
        for device in self.devices:
            self._start_worker(device)
        for lane, count in self.hosted_lanes.items():
            for index in range(count):
                self._add(self._spawner(self._work_hosted, lane, f"dailies-{lane}-{index}"))
        self._supervisor = threading.Thread(
            target=self._supervise, name="dailies-worker-supervisor", daemon=True
        )
        self._supervisor.start()

    def _spawner(self, target: Callable[[str], None], arg: str, name: str) -> Callable[[], Any]:
        def spawn() -> threading.Thread:
            thread = threading.Thread(
                target=self._guarded, args=(target, arg), name=name, daemon=True
            )
            thread.start()
            return thread

        return spawn

    def _add(self, spawn: Callable[[], threading.Thread]) -> None:
        with self._workers_lock:
            self._threads.append((spawn(), spawn))

    def _start_worker(self, device: str) -> None:
        self._add(self._spawner(self._work, device, f"dailies-worker-{device}"))

    def _guarded(self, target: Callable[[str], None], arg: str) -> None:
        try:
            target(arg)
        except BaseException:  # the supervisor starts a new worker in its place
            log.exception("worker %s stopped unexpectedly", threading.current_thread().name)

    def _supervise(self, interval: float = 0.25) -> None:
        """A worker thread that died (anything escaping its loop) is replaced, so the queue
        never stalls with nobody to take it; one that retired (the pool shrank) is not. A run
        whose step hangs past a cancel or its time limit is abandoned (``_watch_runs``)."""
        while not self._stopping.wait(interval):
            try:
                self._watch_runs()
            except Exception:  # the supervisor itself must never die
                log.exception("watching running jobs failed")
            with self._workers_lock:
                if self._stopping.is_set():
                    return
                kept = []
                for thread, spawn in self._threads:
                    if thread.is_alive():
                        kept.append((thread, spawn))
                    elif thread in self._retired:
                        self._retired.discard(thread)
                    else:
                        log.error("worker %s died; starting a new one", thread.name)
                        self.replaced_workers += 1
                        kept.append((spawn(), spawn))
                self._threads = kept

    def stop(self, timeout: float = 30.0) -> None:
        """Stop workers at their next step boundary, waiting up to ``timeout`` seconds in all;
        a job not finished by then stays queued and resumes at the next start."""
        with self._workers_lock:
            self._stopping.set()
            threads, self._threads = self._threads, []
        self.wake()
        deadline = time.monotonic() + timeout
        for thread, _ in threads:
            if not self.watch.is_abandoned(thread):  # a stuck step is not waited for
                thread.join(max(0.0, deadline - time.monotonic()))

    def wake(self) -> None:
        with self._wakeup:
            self._pending_wake = True
            self._wakeup.notify_all()

    def can_claim(self, runner: Runner) -> bool:
        """Whether this worker may take a job now; remote workers say no while unreachable, so
        queued jobs wait instead of failing."""
        return True

    def retire(self, runner: Runner) -> bool:
        """Whether this worker should stop now (an idle worker above the pool's minimum)."""
        return False

    def _work(self, device: str) -> None:
        runner = self.runner_factory(device)
        warm = getattr(runner, "warm", None)
        if warm is not None:
            try:
                warm()
            except Exception:
                log.exception("loading models on %s failed; jobs will report the error", device)
        with self._wakeup:
            self._ready_count += 1
            if self._ready_count == len(self.devices):
                self.ready.set()
        self._claim_and_run(runner, None if self.hosted_lanes else ALL_LANES)

    def _work_hosted(self, lane: str) -> None:
        """A hosted lane's worker: nothing to load (its calls go out over HTTP)."""
        self._claim_and_run(self.runner_factory("cpu"), lane)

    def _claim_and_run(self, runner: Runner, lane: Any) -> None:
        """Claim and run jobs until stopped: all of them (ALL_LANES, when no hosted lanes
        run), local ones (None, in batches where they fit) or one hosted backend's."""
        self.watch.worker(runner, lane)
        local = lane in (None, ALL_LANES)
        max_batch = getattr(runner, "max_batch", 1) if local else 1
        merging = local and self.cross_batch and hasattr(runner, "generate_many")
        while not self._stopping.is_set():
            if not self.can_claim(runner):
                self._stopping.wait(1.0)
                continue
            if local:
                with self._workers_lock:
                    idle = max(1, self.local_worker_count() - self._busy_local)
                    self._busy_local += 1  # from this claim to the end of what it claims
                try:
                    batch = batching.claim_batch(
                        self.store, max_batch, merging, local_only=lane is None, idle_workers=idle
                    )
                    self._run_claimed(batch, runner)
                finally:
                    with self._workers_lock:
                        self._busy_local -= 1
            else:
                job = claim_next_in(self.store, lane)
                batch = [job] if job is not None else []
                self._run_claimed(batch, runner)
            if self.watch.is_abandoned():
                return  # a replacement took this lane over while a step hung here
            if not batch:
                if self.retire(runner):
                    self._retired.add(threading.current_thread())
                    return
                with self._wakeup:
                    if not self._pending_wake:
                        self._wakeup.wait(timeout=1.0)
                    self._pending_wake = False

    def _run_claimed(self, batch: list[Job], runner: Runner) -> None:
        if len(batch) == 1:
            self.run_job(batch[0], runner, self._stopping)
        elif batch:
            batching.run_merged(self, batch, runner, self._stopping)

    def local_worker_count(self) -> int:
        """Device workers that claim local jobs (they share the queue when several are idle)."""
        return len(self.devices)

    def begin_run(self, job: Job, limit: float, began: float) -> ActiveRun | None:
        return self.watch.begin(job, limit, began)

    def end_run(self) -> None:
        self.watch.end()

    def _watch_runs(self) -> None:
        """Abandon each run whose step hangs past a cancel or the job's time limit."""
        if self._stopping.is_set():
            return  # shutdown: running steps get the grace period to reach a checkpoint
        for thread, run, reason in self.watch.hung(lambda i: jobs.cancel_requested(self.store, i)):
            self._abandon(thread, run, reason)

    def _abandon(self, thread: threading.Thread, run: ActiveRun, reason: str) -> None:
        """Give a hung job its verdict now and its lane a fresh worker thread.

        The replacement reuses the stuck worker's runner rather than building another: on a
        GPU a second copy of the pipelines would double the device's memory while the stuck
        step still holds the first (and an out-of-memory load would then fail every queued
        job). A ModelRunner runs one pipeline call at a time (its lock), so a step hung
        *inside* a local pipeline holds the lane's next job until that step returns and stops
        at its next boundary; a step hung outside it (a hosted backend's call, a download, a
        Ray actor's answer that never comes) lets the queue move on at once. Either way the
        person sees the verdict within ``watch.grace`` s and the late result is discarded.
        """
        job = run.job
        log.warning(
            "job %s: step hung past its %s; abandoning worker %s",
            job.id,
            "cancel" if reason == "cancelled" else "time limit",
            thread.name,
        )
        with self._workers_lock:
            self._retired.add(thread)  # its end, whenever it comes, is not a death to replace
        if reason == "cancelled":
            self.events.cancelled(jobs.finish_job(self.store, job.id, jobs.CANCELLED))
        else:
            message = f"{watchdog.timeout_message(run.limit)} (a step hung)"
            self.events.failed(jobs.finish_job(self.store, job.id, jobs.FAILED, message), message)
        runner, lane = run.runner, run.lane
        self.abandoned_workers += 1
        name = f"{thread.name.split('~')[0]}~{self.abandoned_workers}"
        self._add(self._spawner(lambda _: self._claim_and_run(runner, lane), "", name))
