"""A step that hangs (never reaching a step boundary) is reached by Cancel and by its kind's
time limit: the verdict comes at once, the lane gets a fresh worker, and the late result of the
stuck thread is discarded."""

from __future__ import annotations

import threading

import pytest

from bot.jobs import rows as jobs
from bot.jobs.executors import EXECUTORS
from bot.store.database import Store
from tests.bot.jobs.test_worker_health import Seen, engine_for, job


class Stuck:
    """A job body whose one step blocks until the test releases it, checking nothing."""

    def __init__(self) -> None:
        self.entered, self.release, self.returned = (threading.Event() for _ in range(3))
        self.thread: threading.Thread | None = None

    def __call__(self, job, runner, store, assets_dir, progress, cancelled):
        self.thread = threading.current_thread()
        self.entered.set()
        self.release.wait(30)
        self.returned.set()
        return []


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "db.sqlite")


@pytest.fixture
def stuck(monkeypatch):
    body = Stuck()
    monkeypatch.setitem(EXECUTORS, "stuck", body)
    monkeypatch.setitem(EXECUTORS, "quick", lambda *args: [])
    yield body
    body.release.set()


def test_a_hung_step_is_failed_at_its_time_limit_and_the_queue_moves_on(store, tmp_path, stuck):
    hung = job(store, "stuck")
    seen = Seen()
    engine = engine_for(store, tmp_path, seen)
    engine.timeout_for = lambda kind: 0.3 if kind == "stuck" else 0.0
    engine.start()
    try:
        assert stuck.entered.wait(10)
        after = job(store, "quick")
        engine.wake()
        seen.wait(lambda: hung.id in seen.failed and after.id in seen.done)
        assert "time limit of 0.3 s" in seen.failed[hung.id]
        assert jobs.get_job(store, hung.id).status == jobs.FAILED
        assert engine.abandoned_workers == 1 and engine.replaced_workers == 0

        stuck.release.set()  # the stuck step comes back late: nothing of it is kept
        stuck.thread.join(10)
        assert not stuck.thread.is_alive(), "the abandoned thread ends once its step returns"
        assert hung.id not in seen.done and jobs.get_job(store, hung.id).status == jobs.FAILED
        assert engine.replaced_workers == 0, "an abandoned thread's end is not a death"
    finally:
        engine.stop(5)


def test_cancel_reaches_a_hung_step(store, tmp_path, stuck):
    hung = job(store, "stuck")
    cancelled = threading.Event()
    seen = Seen()
    engine = engine_for(store, tmp_path, seen)
    hooks = seen.hooks()
    hooks.on_cancelled = lambda job: cancelled.set()
    engine.events.register(None, hooks)
    engine.start()
    try:
        assert stuck.entered.wait(10)
        engine.cancel(hung.id, "U1")
        assert cancelled.wait(10)
        assert jobs.get_job(store, hung.id).status == jobs.CANCELLED
        after = job(store, "quick")
        engine.wake()
        seen.wait(lambda: after.id in seen.done)
        stuck.release.set()
        stuck.thread.join(10)
        assert hung.id not in seen.done and jobs.get_job(store, hung.id).status == jobs.CANCELLED
    finally:
        engine.stop(5)
