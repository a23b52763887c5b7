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

from bot.jobs import rows as jobs
from bot.jobs.events import JobEvents
from bot.jobs.executors import EXECUTORS
from bot.jobs.rows import Job
from bot.store.database import Store
from models.request import GenerationCancelled

log = logging.getLogger(__name__)


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


class Engine(ABC):
    # Worker health (set from Settings by build_runtime): a job that was running when the process
    # died this many times is failed at start; seconds a job of a kind may run (0: no limit).
    max_resumes: int = 2
    timeout_for: Callable[[str], float] = staticmethod(lambda kind: 0.0)

    def __init__(self, store: Store, assets_dir: Path, events: JobEvents) -> None:
        self.store = store
        self.assets_dir = assets_dir
        self.events = events

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

    def run_job(self, job: Job, runner: Runner, stopping: threading.Event) -> None:
        """Run one claimed job to its end state and tell its hooks; shared by every engine."""
        self.events.started(job)
        steps_per_image = [1]
        limit = self.timeout_for(job.kind)
        began = time.monotonic()

        def progress(image_index: int, step: int, steps: int) -> None:
            steps_per_image[0] = steps
            total = steps * len(job.params.get("seeds", [None]))
            self.events.progress(job, image_index * steps + step, total)

        def cancelled() -> bool:
            if stopping.is_set():
                raise EngineStopping()
            if limit and time.monotonic() - began > limit:
                raise JobTimedOut(f"this job ran past its time limit of {limit:g} s")
            return jobs.cancel_requested(self.store, job.id)

        executor = EXECUTORS.get(job.kind)
        try:
            if executor is None:
                raise ValueError(f"no executor for job kind {job.kind!r}")
            assets = executor(job, runner, self.store, self.assets_dir, progress, cancelled)
        except EngineStopping:
            log.info("job %s interrupted by shutdown; it will resume at the next start", job.id)
            jobs.requeue_stopped(self.store, job.id)
            return
        except GenerationCancelled:
            self.events.cancelled(jobs.finish_job(self.store, job.id, jobs.CANCELLED))
            return
        except (Exception, SystemExit, KeyboardInterrupt) as exc:  # a job never kills its worker
            log.exception("job %s failed", job.id)
            message = plain_error(exc)
            self.events.failed(jobs.finish_job(self.store, job.id, jobs.FAILED, message), message)
            return
        self.events.done(jobs.finish_job(self.store, job.id, jobs.DONE), assets)


def plain_error(exc: BaseException) -> str:
    """An exception as a person can read it: no traceback, the cause in its own words."""
    if isinstance(exc, SystemExit | KeyboardInterrupt):
        return f"the job tried to stop the worker ({type(exc).__name__}); the worker carries on"
    text = str(exc).strip() or type(exc).__name__
    if "out of memory" in text.lower():
        return "the GPU ran out of memory; try fewer variants or a smaller size"
    return text.splitlines()[0][:500]


class EmbeddedEngine(Engine):
    """Worker threads in this process, one per device, each loading its pipelines once."""

    def __init__(
        self,
        store: Store,
        assets_dir: Path,
        events: JobEvents,
        runner_factory: Callable[[str], Runner],
        devices: list[str],
    ) -> None:
        super().__init__(store, assets_dir, events)
        self.runner_factory = runner_factory
        self.devices = devices
        self._wakeup = threading.Condition()
        self._pending_wake = False
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self.ready = threading.Event()
        self._ready_count = 0
        self.replaced_workers = 0
        self._workers_lock = threading.Lock()

    def start(self) -> None:
        self.fail_poison_jobs()
        resumed = jobs.requeue_interrupted(self.store)
        if resumed:
            log.info("resuming %d interrupted job(s)", resumed)
        self._threads = [self._spawn(device) for device in self.devices]
        self._supervisor = threading.Thread(
            target=self._supervise, name="dailies-worker-supervisor", daemon=True
        )
        self._supervisor.start()

    def _spawn(self, device: str) -> threading.Thread:
        thread = threading.Thread(
            target=self._work, args=(device,), name=f"dailies-worker-{device}", daemon=True
        )
        thread.start()
        return thread

    def _supervise(self, interval: float = 0.5) -> None:
        """A worker thread that died (anything escaping its loop) is replaced, so the queue
        never stalls with nobody to take it."""
        while not self._stopping.wait(interval):
            with self._workers_lock:
                if self._stopping.is_set():
                    return
                for index, thread in enumerate(self._threads):
                    if not thread.is_alive():
                        log.error("worker %s died; starting a new one", thread.name)
                        self.replaced_workers += 1
                        self._threads[index] = self._spawn(self.devices[index])

    def stop(self, timeout: float = 30.0) -> None:
        """Stop workers at their next step boundary, waiting up to ``timeout`` seconds in all;
        a job not finished by then stays queued and resumes at the next start."""
        with self._workers_lock:
            self._stopping.set()
            threads, self._threads = self._threads, []
        self.wake()
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def wake(self) -> None:
        with self._wakeup:
            self._pending_wake = True
            self._wakeup.notify_all()

    def _work(self, device: str) -> None:
        try:
            self._work_loop(device)
        except BaseException:  # the supervisor starts a new worker in its place
            log.exception("worker on %s stopped unexpectedly", device)

    def _work_loop(self, device: str) -> None:
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
        while not self._stopping.is_set():
            job = jobs.claim_next(self.store)
            if job is None:
                with self._wakeup:
                    if not self._pending_wake:
                        self._wakeup.wait(timeout=1.0)
                    self._pending_wake = False
                continue
            self.run_job(job, runner, self._stopping)
