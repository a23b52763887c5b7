"""The engine: claims queued jobs and runs them on generation workers.

``Engine`` is the interface handlers see (start, stop, wake, cancel); ``EmbeddedEngine`` runs a
worker thread per device in this process, each with its own ModelRunner (pipelines are not
thread-safe, and each device holds its own weights). A Ray engine can implement the same
interface with GPU actors while this process stays the single writer of SQLite and Slack.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from bot.jobs import rows as jobs
from bot.jobs.events import JobEvents
from bot.jobs.executors import EXECUTORS
from bot.jobs.rows import Job
from bot.store.database import Store
from models.hub import ModelUnavailable
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


class Engine(ABC):
    def __init__(self, store: Store, assets_dir: Path, events: JobEvents) -> None:
        self.store = store
        self.assets_dir = assets_dir
        self.events = events

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

        def progress(image_index: int, step: int, steps: int) -> None:
            steps_per_image[0] = steps
            total = steps * len(job.params.get("seeds", [None]))
            self.events.progress(job, image_index * steps + step, total)

        def cancelled() -> bool:
            if stopping.is_set():
                raise EngineStopping()
            return jobs.cancel_requested(self.store, job.id)

        executor = EXECUTORS.get(job.kind)
        try:
            if executor is None:
                raise ValueError(f"no executor for job kind {job.kind!r}")
            assets = executor(job, runner, self.store, self.assets_dir, progress, cancelled)
        except EngineStopping:
            log.info("job %s interrupted by shutdown; it will resume at the next start", job.id)
            return
        except GenerationCancelled:
            self.events.cancelled(jobs.finish_job(self.store, job.id, jobs.CANCELLED))
            return
        except Exception as exc:
            log.exception("job %s failed", job.id)
            message = plain_error(exc)
            self.events.failed(jobs.finish_job(self.store, job.id, jobs.FAILED, message), message)
            return
        self.events.done(jobs.finish_job(self.store, job.id, jobs.DONE), assets)


def plain_error(exc: BaseException) -> str:
    """An exception as a person can read it: no traceback, the cause in its own words."""
    text = str(exc).strip() or type(exc).__name__
    if "out of memory" in text.lower():
        return "the GPU ran out of memory; try fewer variants or a smaller size"
    if isinstance(exc, ModelUnavailable):
        # Its one line ends with the fix (the Hub, a cache, or the tiny family): never cut it.
        return text.splitlines()[0]
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

    def start(self) -> None:
        resumed = jobs.requeue_interrupted(self.store)
        if resumed:
            log.info("resuming %d interrupted job(s)", resumed)
        for device in self.devices:
            thread = threading.Thread(
                target=self._work, args=(device,), name=f"dailies-worker-{device}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 30.0) -> None:
        self._stopping.set()
        self.wake()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def wake(self) -> None:
        with self._wakeup:
            self._pending_wake = True
            self._wakeup.notify_all()

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
        while not self._stopping.is_set():
            job = jobs.claim_next(self.store)
            if job is None:
                with self._wakeup:
                    if not self._pending_wake:
                        self._wakeup.wait(timeout=1.0)
                    self._pending_wake = False
                continue
            self.run_job(job, runner, self._stopping)
