"""What happens around a job, per kind: the seam between the engine and whoever asked.

The engine (bot/) knows how to run jobs but not whom to tell; handlers (Slack) and the CLI
register hooks here, so the engine never imports Slack and handlers never know which engine runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from bot import logs
from bot.jobs.rows import Job

log = logging.getLogger(__name__)

Assets = list[dict[str, Any]]


@dataclass
class JobHooks:
    on_started: Callable[[Job], None] | None = None
    # (job, steps done across the whole job, steps in the whole job)
    on_progress: Callable[[Job, int, int], None] | None = None
    on_done: Callable[[Job, Assets], None] | None = None
    on_failed: Callable[[Job, str], None] | None = None
    on_cancelled: Callable[[Job], None] | None = None


TERMINAL = ("on_done", "on_failed", "on_cancelled")


class NotPosted(Exception):
    """A final hook could not show the job's outcome (Slack refused or was unreachable) and has
    said so where it could; the job stays unreported and its delivery is tried again."""


class JobEvents:
    """Routes a job's events to the hooks of its kind.

    With a ``dispatch`` (the Slack outbox) hooks run there instead of on the calling worker, and
    progress calls of one job coalesce. ``reported`` is told when a job's final hook succeeded, so
    results that were made but never shown (a crash in between) can be shown after a restart.
    """

    def __init__(
        self,
        dispatch: Callable[[Callable[[], None], Hashable | None], None] | None = None,
        reported: Callable[[Job], None] | None = None,
        unreported: Callable[[Job, Exception], None] | None = None,
    ) -> None:
        self._hooks: dict[str, JobHooks] = {}
        self._fallback: JobHooks | None = None
        self._watched: dict[int, JobHooks] = {}
        self._dispatch = dispatch
        self._reported = reported
        self._unreported = unreported
        self._observers: list[Callable[[Job, str], None]] = []

    def observe(self, observer: Callable[[Job, str], None]) -> None:
        """Told (job, hook name) after every start and end of any job, after its hooks: for
        views that follow a person's jobs (App Home), whatever the kind."""
        self._observers.append(observer)

    def register(self, kinds: Iterable[str] | None, hooks: JobHooks) -> None:
        """Hooks for these job kinds; ``None`` makes them the fallback for every other kind."""
        if kinds is None:
            self._fallback = hooks
            return
        for kind in kinds:
            self._hooks[kind] = hooks

    def watch(self, job_id: int, hooks: JobHooks) -> None:
        """Hooks for one job only, ahead of its kind's: whoever waits for that job (the CLI)
        hears about it and about no other job the engine happens to run."""
        self._watched[job_id] = hooks

    def _call(self, job: Job, name: str, *args: Any) -> None:
        hooks = self._watched.get(job.id) or self._hooks.get(job.kind, self._fallback)
        hook = getattr(hooks, name, None) if hooks else None
        if name != "on_progress":
            logs.job_changed(job, name.removeprefix("on_"))

        def call() -> None:
            try:
                if hook is not None:
                    hook(job, *args)
            except Exception as exc:  # a failed post must not kill a worker or change the outcome
                if isinstance(exc, NotPosted):
                    logs.job_changed(job, "not_posted", error=str(exc))
                else:
                    log.exception("job %s: %s hook failed", job.id, name)
                if name in TERMINAL and self._unreported is not None:
                    self._unreported(job, exc)
                return
            if name in TERMINAL and self._reported is not None:
                self._reported(job)
            if name != "on_progress":
                for observer in self._observers:
                    try:
                        observer(job, name)
                    except Exception:
                        log.exception("job %s: observer of %s failed", job.id, name)

        if self._dispatch is None:
            call()
        else:
            self._dispatch(call, ("progress", job.id) if name == "on_progress" else None)

    def started(self, job: Job) -> None:
        self._call(job, "on_started")

    def progress(self, job: Job, done: int, total: int) -> None:
        self._call(job, "on_progress", done, total)

    def done(self, job: Job, assets: Assets) -> None:
        self._call(job, "on_done", assets)

    def failed(self, job: Job, message: str) -> None:
        self._call(job, "on_failed", message)

    def cancelled(self, job: Job) -> None:
        self._call(job, "on_cancelled")


def job_progress(events: JobEvents, job: Job) -> Callable[[int, int, int], None]:
    """A runner progress callback for one job: steps done summed over its images, which a
    batched call advances together (image 0 step 1, image 1 step 1, …)."""
    done: dict[int, int] = {}

    def progress(image_index: int, step: int, steps: int) -> None:
        done[image_index] = step
        total = steps * len(job.params.get("seeds", [None]))
        events.progress(job, min(sum(done.values()), total), total)

    return progress
