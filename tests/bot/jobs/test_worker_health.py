"""Worker health: a poison job is failed instead of killing the bot at every start, a job that
raises SystemExit fails without taking its worker with it, a dead worker is replaced, and a hung
job is failed at its kind's time limit."""

from __future__ import annotations

import threading
import time

import pytest

from bot.jobs import rows as jobs
from bot.jobs.engine import EmbeddedEngine
from bot.jobs.events import JobEvents, JobHooks
from bot.jobs.executors import EXECUTORS
from bot.store.database import Store


class Seen:
    def __init__(self) -> None:
        self.done: list[int] = []
        self.failed: dict[int, str] = {}
        self.changed = threading.Condition()

    def hooks(self) -> JobHooks:
        def on_done(job, assets):
            with self.changed:
                self.done.append(job.id)
                self.changed.notify_all()

        def on_failed(job, message):
            with self.changed:
                self.failed[job.id] = message
                self.changed.notify_all()

        return JobHooks(on_done=on_done, on_failed=on_failed)

    def wait(self, predicate, timeout: float = 20.0) -> None:
        with self.changed:
            assert self.changed.wait_for(predicate, timeout), (self.done, self.failed)


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "db.sqlite")


def engine_for(store, tmp_path, seen, runner_factory=lambda device: object()):
    events = JobEvents()
    events.register(None, seen.hooks())
    return EmbeddedEngine(store, tmp_path, events, runner_factory, ["cpu"])


def job(store, kind="quick"):
    return jobs.create_job(store, kind, {"seeds": [1]}, user_id="U1", channel_id="C1")


@pytest.fixture(autouse=True)
def kinds(monkeypatch):
    def quick(job, runner, store, assets_dir, progress, cancelled):
        return []

    def exits(job, runner, store, assets_dir, progress, cancelled):
        raise SystemExit(3)

    def hangs(job, runner, store, assets_dir, progress, cancelled):
        while not cancelled():
            time.sleep(0.02)
        return []

    for name, fn in {"quick": quick, "exits": exits, "hangs": hangs}.items():
        monkeypatch.setitem(EXECUTORS, name, fn)


def test_a_job_that_killed_the_process_twice_is_failed_and_the_queue_moves_on(store, tmp_path):
    poison = job(store)
    other = job(store)
    # The process died while the poison job ran; the next start resumed it; it died again.
    jobs.update_job(store, poison.id, status=jobs.RUNNING, started_at=time.time())
    jobs.requeue_interrupted(store)
    jobs.update_job(store, poison.id, status=jobs.RUNNING, started_at=time.time())
    seen = Seen()
    engine = engine_for(store, tmp_path, seen)
    engine.start()
    try:
        seen.wait(lambda: poison.id in seen.failed and other.id in seen.done)
        assert "stopped the worker twice" in seen.failed[poison.id]
        assert jobs.get_job(store, poison.id).status == jobs.FAILED
    finally:
        engine.stop(5)


def test_a_job_interrupted_once_is_resumed(store, tmp_path):
    once = job(store)
    jobs.update_job(store, once.id, status=jobs.RUNNING, started_at=time.time())
    seen = Seen()
    engine = engine_for(store, tmp_path, seen)
    engine.start()
    try:
        seen.wait(lambda: once.id in seen.done)
        assert jobs.get_job(store, once.id).resumes == 1
    finally:
        engine.stop(5)


def test_system_exit_in_a_job_fails_it_and_the_worker_carries_on(store, tmp_path):
    bad = job(store, "exits")
    good = job(store)
    seen = Seen()
    engine = engine_for(store, tmp_path, seen)
    engine.start()
    try:
        seen.wait(lambda: bad.id in seen.failed and good.id in seen.done)
        assert "SystemExit" in seen.failed[bad.id]
    finally:
        engine.stop(5)


def test_a_dead_worker_thread_is_replaced(store, tmp_path):
    calls = []

    def flaky_factory(device):
        calls.append(device)
        if len(calls) == 1:
            raise SystemExit("the first worker dies while loading")
        return object()

    queued = job(store)
    seen = Seen()
    engine = engine_for(store, tmp_path, seen, flaky_factory)
    engine.start()
    try:
        seen.wait(lambda: queued.id in seen.done)
        assert engine.replaced_workers == 1
    finally:
        engine.stop(5)


def test_a_hung_job_is_failed_at_its_kinds_time_limit(store, tmp_path):
    hung = job(store, "hangs")
    seen = Seen()
    engine = engine_for(store, tmp_path, seen)
    engine.timeout_for = lambda kind: 0.3 if kind == "hangs" else 0.0
    engine.start()
    try:
        seen.wait(lambda: hung.id in seen.failed)
        assert "time limit of 0.3 s" in seen.failed[hung.id]
    finally:
        engine.stop(5)


def test_a_shutdown_mid_job_does_not_count_as_a_resume(store, tmp_path):
    hung = job(store, "hangs")
    seen = Seen()
    engine = engine_for(store, tmp_path, seen)
    engine.start()
    deadline = time.monotonic() + 10
    while jobs.get_job(store, hung.id).status != jobs.RUNNING:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    engine.stop(5)
    after = jobs.get_job(store, hung.id)
    assert after.status == jobs.QUEUED and after.resumes == 0
