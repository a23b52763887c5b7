"""A worker's runners, one per model family it has been asked for, loaded on first use.

A channel may pick another family than the bot's default, so one worker can meet jobs for
several. Each family keeps its own ModelRunner (its own pipelines on this worker's device); the
engine hands each job the runner of the family recorded in its params.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from models.presets import Family


class FamilyRunners:
    def __init__(
        self,
        families: Mapping[str, Family],
        default: str,
        make: Callable[[Family], Any],
        ready: Mapping[str, Any] | None = None,
    ) -> None:
        self.families = dict(families)
        self.default = default
        self._make = make
        self._runners: dict[str, Any] = dict(ready or {})
        self._lock = threading.Lock()

    def for_family(self, name: str | None) -> Any:
        """The runner of ``name`` (None: the default family), made on first use."""
        name = name or self.default
        with self._lock:
            if name not in self._runners:
                if name not in self.families:
                    known = ", ".join(sorted(self.families))
                    raise ValueError(f"unknown model family {name!r}; known families: {known}")
                self._runners[name] = self._make(self.families[name])
            return self._runners[name]

    def warm(self) -> float:
        """Load the default family at worker start; others load when first asked for."""
        runner = self.for_family(None)
        warm = getattr(runner, "warm", None)
        return warm() if warm is not None else 0.0

    @property
    def max_batch(self) -> int:
        return int(getattr(self.for_family(None), "max_batch", 1))

    def generate_many(self, members: Any) -> Any:
        """Cross-request batches are of one family (bot/jobs/batching.py resolves it first);
        this is the default family's."""
        return self.for_family(None).generate_many(members)

    # The Runner protocol, for callers that know only one family.
    def describe(self, request: Any) -> Any:
        return self.for_family(None).describe(request)

    def generate(self, request: Any, progress: Any = None, cancelled: Any = None, **kw: Any) -> Any:
        return self.for_family(None).generate(request, progress, cancelled, **kw)
