"""The Ray actor that holds one device's ModelRunners (one per family it is asked for, loaded on
first use) and runs the bot's calls on them.

It is the only part of the Ray engine that runs away from the bot: it knows models, not SQLite or
Slack. A call runs on one actor thread while the bot polls the same actor (a threaded actor) for
progress, finished images and cancel, so a long generation still reports each step and stops
within a poll of a Cancel.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

# Runner methods the bot may call, and whether each takes (progress, cancelled, on_image).
METHODS: dict[str, tuple[bool, bool]] = {
    "describe": (False, False),
    "describe_inpaint": (False, False),
    "generate": (True, True),
    "inpaint": (True, True),
    "upscale": (True, False),
    "animate": (True, False),
}


class _Call:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        # (index, step, steps) of one request, or (member, index, step, steps) of a batch
        self.steps: list[tuple[int, ...]] = []
        self.images: list[tuple[Any, ...]] = []
        self.cancel = False
        self.cancelled_members: set[int] = set()


def family_runners(
    families: dict[str, Any],
    default: str,
    device: str,
    runner_factory: Callable[[str, str], Any] | None = None,
    runner_options: dict[str, Any] | None = None,
) -> Any:
    """A runner per family on this device, made when a job first asks for it: ModelRunner with
    the bot's runner options (max batch, decoder, compile), or ``runner_factory(name, device)``."""
    from bot.jobs.family_runners import FamilyRunners

    def make(family: Any) -> Any:
        if runner_factory is not None:
            return runner_factory(family.name, device)
        from models.runner import ModelRunner

        return ModelRunner(family, device=device, **(runner_options or {}))

    return FamilyRunners(families, default, make)


class GenerationWorker:
    """One generation worker: its runners, and the calls in flight on them."""

    def __init__(
        self,
        families: dict[str, Any],
        default: str,
        device: str = "cpu",
        runner_factory: Callable[[str, str], Any] | None = None,
        runner_options: dict[str, Any] | None = None,
    ) -> None:
        self.family_name = default
        self.device = device
        self.runners = family_runners(families, default, device, runner_factory, runner_options)
        self._calls: dict[str, _Call] = {}
        self._lock = threading.Lock()
        self.jobs_done = 0
        self.failures = 0
        self.busy_since: float | None = None

    def warm(self) -> float:
        """Load the default family now; others load when a job first asks for them."""
        return float(self.runners.warm())

    def info(self, family: str | None = None) -> dict[str, Any]:
        """What `dailies workers` shows for this worker; ``max_batch`` and ``batches`` are of
        ``family``'s runner (None: the default family's)."""
        runner = self.runners.for_family(family)
        return {
            "node": socket.gethostname(),
            "pid": os.getpid(),
            "device": self.device,
            "family": self.family_name,
            "loaded": bool(getattr(self.runners.for_family(None), "loaded", True)),
            "busy": self.busy_since is not None,
            "jobs_done": self.jobs_done,
            "failures": self.failures,
            "max_batch": int(getattr(runner, "max_batch", 1)),
            "batches": hasattr(runner, "generate_many"),
        }

    def run(
        self,
        call_id: str,
        method: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        family: str | None = None,
    ) -> Any:
        if method not in METHODS:
            raise ValueError(f"the worker has no method {method!r}")
        reports, collects = METHODS[method]
        call = _Call()
        with self._lock:
            self._calls[call_id] = call
        if reports:

            def progress(index: int, step: int, steps: int) -> None:
                with call.lock:
                    call.steps.append((index, step, steps))

            kwargs = {**kwargs, "progress": progress, "cancelled": lambda: call.cancel}
            if collects and kwargs.pop("collect_images", False):

                def on_image(index: int, image: Any) -> None:
                    with call.lock:
                        call.images.append((index, image))

                kwargs["on_image"] = on_image
        self.busy_since = time.time()
        try:
            result = getattr(self.runners.for_family(family), method)(*args, **kwargs)
            if reports:
                self.jobs_done += 1
            return result
        except Exception:
            self.failures += 1
            raise
        finally:
            self.busy_since = None

    def run_many(self, call_id: str, requests: list[Any], family: str | None = None) -> list[Any]:
        """Cross-request batching on the worker: several people's compatible requests as one
        UNet batch (``ModelRunner.generate_many``), each with its own progress, images and
        cancel, reported per member."""
        from models.batch import Member

        call = _Call()
        with self._lock:
            self._calls[call_id] = call

        def member(number: int, request: Any) -> Any:
            def progress(index: int, step: int, steps: int) -> None:
                with call.lock:
                    call.steps.append((number, index, step, steps))

            def on_image(index: int, image: Any) -> None:
                with call.lock:
                    call.images.append((number, index, image))

            def cancelled() -> bool:
                return call.cancel or number in call.cancelled_members

            return Member.of(request, progress, cancelled, on_image)

        self.busy_since = time.time()
        try:
            runner = self.runners.for_family(family)
            outcomes = runner.generate_many([member(i, r) for i, r in enumerate(requests)])
            self.jobs_done += len(requests)
            return outcomes
        except Exception:
            self.failures += 1
            raise
        finally:
            self.busy_since = None

    def cancel_member(self, call_id: str, number: int) -> None:
        with self._lock:
            call = self._calls.get(call_id)
        if call is not None:
            call.cancelled_members.add(number)

    def poll(self, call_id: str) -> tuple[list[tuple[int, ...]], list[tuple[Any, ...]]]:
        """Steps and finished images of a call since the last poll."""
        with self._lock:
            call = self._calls.get(call_id)
        if call is None:
            return [], []
        with call.lock:
            steps, images = call.steps, call.images
            call.steps, call.images = [], []
        return steps, images

    def cancel(self, call_id: str) -> None:
        with self._lock:
            call = self._calls.get(call_id)
        if call is not None:
            call.cancel = True

    def forget(self, call_id: str) -> None:
        with self._lock:
            self._calls.pop(call_id, None)
