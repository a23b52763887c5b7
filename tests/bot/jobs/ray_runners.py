"""Runners built inside Ray workers for the Ray engine's tests.

They live in an importable module (not a test file) because Ray sends the factory to the worker
process by reference; the worker imports this module from the checkout.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from models.runner import ModelRunner


def tiny(family: str, device: str) -> ModelRunner:
    runner = ModelRunner(family, device=device)
    runner.warm()
    return runner


class _Slow:
    """The tiny runner with every step taking ``delay`` seconds: long enough to act mid-job."""

    def __init__(self, inner: ModelRunner, delay: float) -> None:
        self.inner = inner
        self.delay = delay

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def generate(self, request, progress=None, cancelled=None, **kwargs):
        def slow(image: int, step: int, steps: int) -> None:
            time.sleep(self.delay)
            if progress is not None:
                progress(image, step, steps)

        return self.inner.generate(request, progress=slow, cancelled=cancelled, **kwargs)


def slow(family: str, device: str) -> _Slow:
    return _Slow(tiny(family, device), delay=0.3)


class _DiesOnce(_Slow):
    """Kills its own process in the middle of its first job, as the OOM killer would; the
    worker that replaces it (the marker file exists by then) works."""

    def __init__(self, inner: ModelRunner, marker: Path) -> None:
        super().__init__(inner, delay=0.0)
        self.marker = marker

    def generate(self, request, progress=None, cancelled=None, on_image=None, **kwargs):
        def dying(index: int, image: Any) -> None:
            if on_image is not None:
                on_image(index, image)
            if not self.marker.exists():
                self.marker.write_text(str(os.getpid()))
                time.sleep(0.5)  # let the bot collect the saved image first
                os._exit(137)

        return self.inner.generate(
            request, progress=progress, cancelled=cancelled, on_image=dying, **kwargs
        )


def dies_once_factory(marker: str):
    def build(family: str, device: str) -> _DiesOnce:
        return _DiesOnce(tiny(family, device), Path(marker))

    return build


class _AlwaysDies(_Slow):
    def generate(self, request, progress=None, cancelled=None, **kwargs):
        os._exit(137)


def always_dies(family: str, device: str) -> _AlwaysDies:
    return _AlwaysDies(tiny(family, device), delay=0.0)


class _Gated(_Slow):
    """Holds every job at its first step until ``gate`` exists: jobs stay running for as long as
    a test needs, across processes."""

    def __init__(self, inner: ModelRunner, gate: Path) -> None:
        super().__init__(inner, delay=0.0)
        self.gate = gate

    def generate(self, request, progress=None, cancelled=None, **kwargs):
        def held(image: int, step: int, steps: int) -> None:
            while not self.gate.exists():
                time.sleep(0.05)
            if progress is not None:
                progress(image, step, steps)

        return self.inner.generate(request, progress=held, cancelled=cancelled, **kwargs)


def gated_factory(gate: str):
    def build(family: str, device: str) -> _Gated:
        return _Gated(tiny(family, device), Path(gate))

    return build


class _CancelClock(_Slow):
    """Holds each step until Cancel reaches the worker, then writes the wall time it saw it to
    ``marker`` (bench/scale_out.py: how long a Cancel takes from the bot to the worker)."""

    def __init__(self, inner: ModelRunner, marker: Path) -> None:
        super().__init__(inner, delay=0.0)
        self.marker = marker

    def generate(self, request, progress=None, cancelled=None, **kwargs):
        def held(image: int, step: int, steps: int) -> None:
            deadline = time.monotonic() + 10.0
            while cancelled is not None and not cancelled() and time.monotonic() < deadline:
                time.sleep(0.002)
            if cancelled is not None and cancelled() and not self.marker.exists():
                self.marker.write_text(repr(time.time()))
            if progress is not None:
                progress(image, step, steps)

        return self.inner.generate(request, progress=held, cancelled=cancelled, **kwargs)


def cancel_clock_factory(marker: str):
    def build(family: str, device: str) -> _CancelClock:
        return _CancelClock(tiny(family, device), Path(marker))

    return build
