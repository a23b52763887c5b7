"""The Ray engine: generation workers are Ray actors on GPU nodes, the bot the single writer.

Each of the bot's worker threads drives one actor through a ``RemoteRunner``, so the job bodies
(``bot/jobs/executors.py``) run unchanged in the bot process: they read SQLite, call the runner,
save assets and tell Slack, while only the model calls travel to the actor and images come back
through Ray's object store. Why actors rather than Ray Serve: a worker must keep its pipelines
loaded, report every step and take a Cancel mid-call, and the bot already queues fairly in
SQLite — Serve's HTTP routing and its own queue would add a second queue that does not know the
fair order.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from bot.jobs.engine import EmbeddedEngine
from bot.jobs.events import JobEvents
from bot.jobs.remote_runner import RemoteRunner, WorkerPool
from bot.store.database import Store
from models.presets import Family

log = logging.getLogger(__name__)

NAMESPACE = "dailies"


def connect(address: str) -> bool:
    """Join the Ray cluster at ``address`` (``auto``, ``ray://host:10001``) or start a local
    one when empty. Returns whether this process started Ray (and so must shut it down)."""
    import ray

    if ray.is_initialized():
        return False
    if address:
        ray.init(address=address, namespace=NAMESPACE, logging_level=logging.ERROR)
        return True
    root = str(Path(__file__).resolve().parents[2])
    ray.init(
        namespace=NAMESPACE,
        include_dashboard=False,
        logging_level=logging.ERROR,
        # Local workers import this checkout, whatever the directory the bot was started from.
        runtime_env={"env_vars": {"PYTHONPATH": root}},
    )
    return True


def pool_size(requested: int) -> int:
    """``requested`` workers, or one per GPU in the cluster (one CPU worker without GPUs)."""
    import ray

    if requested:
        return requested
    return max(1, int(ray.cluster_resources().get("GPU", 0)))


class RayEngine(EmbeddedEngine):
    """Worker threads in the bot, each driving one Ray actor that holds the models."""

    def __init__(
        self,
        store: Store,
        assets_dir: Path,
        events: JobEvents,
        families: dict[str, Family],
        default_family: str,
        *,
        address: str = "",
        workers: int = 0,
        max_workers: int = 0,
        idle_s: float = 300.0,
        gpus_per_worker: float = 1.0,
        runner_factory: Any = None,
        runner_options: dict[str, Any] | None = None,
        cross_batch: bool = True,
        hosted_lanes: dict[str, int] | None = None,
        local_runner: Any = None,
    ) -> None:
        """``families`` travel to every worker (built-in and configured alike), which loads
        each on first use; ``hosted_lanes`` run in the bot process on ``local_runner(device)``:
        a Gemini call waits on Google, not on a GPU, and must not hold a GPU actor."""
        self.address = address
        self.requested_workers = workers
        self.max_workers = max_workers
        self.idle_s = idle_s
        self._scale = threading.Lock()
        self._live: set[int] = set()
        self._idle_since: dict[int, float] = {}
        self.pool = WorkerPool(
            families, default_family, gpus_per_worker, runner_factory, runner_options
        )
        self._owns_ray = False
        self._unreachable: set[int] = set()  # slots whose actor did not answer its last check
        self.local_runner = local_runner
        super().__init__(
            store, assets_dir, events, self._runner, [], cross_batch=cross_batch,
            hosted_lanes=hosted_lanes if local_runner is not None else None,
        )  # fmt: skip

    def _runner(self, slot: str) -> RemoteRunner:
        return RemoteRunner(self.pool, int(slot))

    def start(self) -> None:
        self._owns_ray = connect(self.address)
        size = pool_size(self.requested_workers)
        self.min_workers = size
        self.max_workers = max(self.max_workers, size)
        self.devices = [str(slot) for slot in range(size)]
        self._live = set(range(size))
        self.pool.resize(self.max_workers)
        log.info(
            "Ray engine: %d worker(s), up to %d, for families %s (default %s)",
            size, self.max_workers, ", ".join(sorted(self.pool.families)), self.pool.default,
        )  # fmt: skip
        super().start()

    def wake(self) -> None:
        super().wake()
        self._grow()

    def _grow(self) -> None:
        """Queued work and every worker busy: add a worker, up to the maximum. Its actor waits
        for resources until Ray's autoscaler brings a node, so the pool follows the queue."""
        if self._stopping.is_set() or len(self._live) >= self.max_workers:
            return
        with self._scale:
            queued = self.store.db["jobs"].count_where("status = 'queued'")
            busy = self.store.db["jobs"].count_where("status = 'running'")
            if not queued or busy + queued <= len(self._live):
                return
            slot = next(i for i in range(self.max_workers) if i not in self._live)
            self._live.add(slot)
        log.info("Ray engine: %d job(s) waiting; adding worker %d", queued, slot)
        self._start_worker(str(slot))

    def retire(self, runner: Any) -> bool:
        """A worker above the minimum that found nothing to do for ``idle_s`` gives back its
        actor (and so its GPU), and the autoscaler can release the node."""
        if not isinstance(runner, RemoteRunner) or runner.slot < self.min_workers:
            return False
        now = time.monotonic()
        since = self._idle_since.setdefault(runner.slot, now)
        if now - since < self.idle_s:
            return False
        with self._scale:
            self._live.discard(runner.slot)
            self._unreachable.discard(runner.slot)
            self._idle_since.pop(runner.slot, None)
        self.pool.release(runner.slot)
        log.info("Ray engine: worker %d idle for %.0f s; released", runner.slot, self.idle_s)
        return True

    def stop(self, timeout: float = 30.0) -> None:
        super().stop(timeout)
        self.pool.shutdown()
        if self._owns_ray:
            import ray

            ray.shutdown()
            self._owns_ray = False

    def can_claim(self, runner: Any) -> bool:
        """Claim only while this worker's actor answers: when the cluster is gone, queued jobs
        wait in SQLite (their messages say so) and run once it is back."""
        if not isinstance(runner, RemoteRunner):
            return True  # a hosted lane, in this process
        answers = self.pool.healthy(runner.slot)
        with self._scale:
            before = self.waiting_for()
            if answers:
                self._unreachable.discard(runner.slot)
            else:
                self._unreachable.add(runner.slot)
            after = self.waiting_for()
        if after != before:
            if after:
                log.warning("Ray engine: %s; queued jobs wait", after)
            else:
                log.info("Ray engine: workers answer again; queued jobs start")
            if self.on_waiting_change is not None:
                self.on_waiting_change(after)
        return answers

    def waiting_for(self) -> str | None:
        """Said on queued jobs while no live worker answers (the cluster is unreachable, or its
        workers are still starting, e.g. waiting for the autoscaler's node)."""
        live = set(self._live)
        if not live or not live <= self._unreachable:
            return None
        where = f" at {self.address}" if self.address else ""
        return f"waiting for workers: no Ray worker{where} answers yet"

    def _work_hosted(self, lane: str) -> None:
        """Hosted lanes run in the bot process, on a local runner (no GPU, no actor)."""
        self._claim_and_run(self.local_runner("cpu"), lane)

    def run_job(self, job: Any, runner: Any, stopping: threading.Event) -> None:
        # busy again: its idle time starts over
        self._idle_since.pop(getattr(runner, "slot", None), None)
        super().run_job(job, runner, stopping)

    def local_worker_count(self) -> int:
        return len(self._live)

    def workers(self) -> list[dict[str, Any]]:
        return [w for w in self.pool.infos() if w["slot"] in self._live]
