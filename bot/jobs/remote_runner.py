"""The bot's side of a Ray worker: a runner whose calls run on an actor.

A call is sent to the actor and then polled every ``POLL_S``: steps become the job's progress,
finished images reach ``on_image`` (saved at once, so a later cancel or crash keeps them), and a
Cancel the bot sees is sent to the actor, which stops at its next step. An actor that dies turns
into ``WorkerLost``; the pool replaces it, and the engine runs the job again elsewhere.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

from bot.jobs.engine import WorkerLost
from bot.jobs.ray_worker import GenerationWorker
from models.presets import Family

log = logging.getLogger(__name__)

POLL_S = 0.1
HEALTH_TIMEOUT_S = 10.0


class WorkerPool:
    """The actors, one per slot; a dead one is replaced on next use.

    Every actor gets the families themselves (plain data: tiers, model ids, loader), not their
    names, so a team's configured families run on workers that never read the bot's config.
    Their model files must be reachable from the workers: a Hub repo id, or a path on storage
    every node mounts.
    """

    def __init__(
        self,
        families: dict[str, Family],
        default: str,
        gpus_per_worker: float = 1.0,
        runner_factory: Callable[[str, str], Any] | None = None,
        runner_options: dict[str, Any] | None = None,
    ) -> None:
        self.families = dict(families)
        self.default = default
        self.gpus_per_worker = gpus_per_worker
        self.runner_factory = runner_factory
        self.runner_options = runner_options or {}
        self._actors: list[Any] = []
        self._lock = threading.Lock()

    def resize(self, size: int) -> None:
        with self._lock:
            self._actors = (self._actors + [None] * size)[:size]

    def _create(self, slot: int) -> Any:
        import ray

        gpus = self.gpus_per_worker if ray.cluster_resources().get("GPU", 0) else 0
        actor_class = ray.remote(GenerationWorker).options(
            name=f"dailies-worker-{slot}-{uuid.uuid4().hex[:6]}",
            num_cpus=1,
            num_gpus=gpus,
            max_concurrency=4,  # one call runs while the bot polls and cancels
            max_restarts=0,  # the pool replaces a dead actor itself, with a fresh runner
        )
        device = "cuda" if gpus else "cpu"
        return actor_class.remote(
            self.families, self.default, device, self.runner_factory, self.runner_options
        )

    def actor(self, slot: int) -> Any:
        with self._lock:
            if self._actors[slot] is None:
                self._actors[slot] = self._create(slot)
            return self._actors[slot]

    def replace(self, slot: int, dead: Any) -> None:
        """Forget ``dead``; the next call on this slot starts a fresh actor."""
        with self._lock:
            if self._actors[slot] is dead:
                self._actors[slot] = None

    def release(self, slot: int) -> None:
        """Kill the slot's actor on purpose (the pool shrinks); the slot starts empty."""
        import ray

        with self._lock:
            actor, self._actors[slot] = self._actors[slot], None
        if actor is not None:
            ray.kill(actor)

    def healthy(self, slot: int) -> bool:
        """Whether the slot's actor answers; a dead one is replaced and its successor asked
        once, so one lost worker does not read as a lost cluster."""
        import ray

        for _ in range(2):
            actor = self.actor(slot)
            try:
                ray.get(actor.info.remote(), timeout=HEALTH_TIMEOUT_S)
                return True
            except ray.exceptions.RayActorError:
                self.replace(slot, actor)
            except (ray.exceptions.GetTimeoutError, ray.exceptions.RaySystemError):
                return False
        return False

    def infos(self) -> list[dict[str, Any]]:
        import ray

        out = []
        for slot in range(len(self._actors)):
            if self._actors[slot] is None:
                continue
            try:
                info = ray.get(self.actor(slot).info.remote(), timeout=HEALTH_TIMEOUT_S)
            except ray.exceptions.RayError as exc:
                info = {"error": str(exc).splitlines()[0]}
            out.append({"slot": slot, **info})
        return out

    def shutdown(self) -> None:
        import ray

        with self._lock:
            actors, self._actors = self._actors, [None] * len(self._actors)
        for actor in actors:
            if actor is not None:
                try:
                    ray.kill(actor)
                except Exception:  # already gone with its node or the cluster
                    log.debug("actor already gone", exc_info=True)


class RemoteRunner:
    """Looks like models.runner.ModelRunner to the job bodies; every call runs on the actor."""

    def __init__(self, pool: WorkerPool, slot: int, family_name: str | None = None) -> None:
        self.pool = pool
        self.slot = slot
        self.family_name = family_name or pool.default

    @property
    def family(self) -> Family:
        return self.pool.families[self.family_name]

    def for_family(self, name: str | None) -> RemoteRunner:
        """The same worker, running ``name``'s pipelines (the job's family; None: default)."""
        name = name or self.pool.default
        if name not in self.pool.families:
            known = ", ".join(sorted(self.pool.families))
            raise ValueError(f"unknown model family {name!r}; known families: {known}")
        return self if name == self.family_name else RemoteRunner(self.pool, self.slot, name)

    def warm(self) -> float:
        import ray

        return self._guarded(lambda actor: ray.get(actor.warm.remote()))

    def _info(self) -> dict[str, Any]:
        import ray

        return self._guarded(lambda actor: ray.get(actor.info.remote(self.family_name)))

    @property
    def max_batch(self) -> int:
        """Images per pipeline call on the worker (its runner's DAILIES_MAX_BATCH)."""
        return int(self._info().get("max_batch", 1))

    def generate_many(self, members: list[Any]) -> list[Any]:
        """Several people's compatible requests as one batch on the worker; each member's
        progress, saved images and Cancel are its own, as in the bot's process."""
        import ray

        if not self._info().get("batches"):  # a backend that cannot batch: one call each
            return [self._alone(member) for member in members]
        call_id = uuid.uuid4().hex
        requests = [m.request for m in members]
        stopped: set[int] = set()

        def drain(actor: Any) -> None:
            steps, images = ray.get(actor.poll.remote(call_id))
            for number, index, step, steps_per in steps:
                if members[number].progress is not None:
                    members[number].progress(index, step, steps_per)
            for number, index, image in images:
                if members[number].on_image is not None:
                    members[number].on_image(index, image)

        def run(actor: Any) -> Any:
            ref = actor.run_many.remote(call_id, requests, self.family_name)
            try:
                while True:
                    ready, _ = ray.wait([ref], timeout=POLL_S)
                    drain(actor)
                    if ready:
                        return ray.get(ref)
                    for number, member in enumerate(members):
                        if number in stopped or member.cancelled is None:
                            continue
                        try:
                            stop = member.cancelled()
                        except BaseException:  # the engine is stopping: stop the whole batch
                            actor.cancel.remote(call_id)
                            raise
                        if stop:
                            stopped.add(number)
                            actor.cancel_member.remote(call_id, number)
            finally:
                actor.forget.remote(call_id)

        return self._guarded(run)

    def describe(self, request: Any) -> Any:
        return self._call("describe", request)

    def describe_inpaint(self, request: Any) -> Any:
        return self._call("describe_inpaint", request)

    def generate(self, request: Any, progress: Any = None, cancelled: Any = None, *,
                 on_image: Any = None) -> Any:  # fmt: skip
        return self._call("generate", request, progress, cancelled, on_image)

    def _alone(self, member: Any) -> Any:
        from models.request import GenerationCancelled

        try:
            return self.generate(
                member.request, member.progress, member.cancelled, on_image=member.on_image
            )
        except GenerationCancelled as stopped:
            return stopped

    def inpaint(self, request: Any, progress: Any = None, cancelled: Any = None, *,
                on_image: Any = None) -> Any:  # fmt: skip
        return self._call("inpaint", request, progress, cancelled, on_image)

    def upscale(self, request: Any, progress: Any = None, cancelled: Any = None) -> Any:
        return self._call("upscale", request, progress, cancelled)

    def animate(self, request: Any, progress: Any = None, cancelled: Any = None) -> Any:
        return self._call("animate", request, progress, cancelled)

    def _guarded(self, work: Callable[[Any], Any]) -> Any:
        import ray

        actor = self.pool.actor(self.slot)
        try:
            return work(actor)
        except ray.exceptions.RayActorError as exc:
            self.pool.replace(self.slot, actor)
            raise WorkerLost(str(exc).strip().splitlines()[0][:300]) from None
        except ray.exceptions.RayTaskError as exc:
            # The runner's own error (a bad request, a cancel, a model that cannot load): raise
            # it as the job bodies and the engine know it, not wrapped in Ray's traceback.
            if isinstance(exc.cause, Exception):
                raise exc.cause from None
            raise

    def _call(
        self,
        method: str,
        request: Any,
        progress: Callable[[int, int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        on_image: Callable[[int, Any], None] | None = None,
    ) -> Any:
        import ray

        call_id = uuid.uuid4().hex
        kwargs = {"collect_images": True} if on_image is not None else {}

        def drain(actor: Any) -> None:
            steps, images = ray.get(actor.poll.remote(call_id))
            for step in steps:
                if progress is not None:
                    progress(*step)
            for index, image in images:
                if on_image is not None:
                    on_image(index, image)

        def run(actor: Any) -> Any:
            ref = actor.run.remote(call_id, method, (request,), kwargs, self.family_name)
            try:
                while True:
                    ready, _ = ray.wait([ref], timeout=POLL_S)
                    drain(actor)
                    if ready:
                        return ray.get(ref)
                    if cancelled is not None:
                        try:
                            stop = cancelled()
                        except BaseException:  # the engine is stopping: stop the actor too
                            actor.cancel.remote(call_id)
                            raise
                        if stop:
                            actor.cancel.remote(call_id)
            finally:
                actor.forget.remote(call_id)

        return self._guarded(run)
