import time

import pytest

from bot.jobs import rows as jobs
from bot.store.database import Store


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "db.sqlite")


def queue(store, user, n=1, priority=0):
    return [
        jobs.create_job(
            store, "draft", {"seeds": [1]}, user_id=user, channel_id="C1", priority=priority
        ).id
        for _ in range(n)
    ]


def test_one_persons_batch_does_not_starve_another(store):
    batch = queue(store, "alice", 8)
    time.sleep(0.001)
    bobs = queue(store, "bob")[0]
    first = jobs.claim_next(store)
    assert first.id == batch[0]
    second = jobs.claim_next(store)
    assert second.id == bobs, "bob's single job runs before alice's second"


def test_queue_order_alternates_users_and_respects_priority(store):
    a = queue(store, "alice", 3)
    b = queue(store, "bob", 2)
    urgent = queue(store, "carol", 1, priority=5)
    assert jobs.queue_order(store) == [urgent[0], a[0], b[0], a[1], b[1], a[2]]
    assert jobs.queue_position(store, b[0]) == 3


def test_held_jobs_are_invisible_until_released(store):
    job = jobs.create_job(store, "draft", {"seeds": [1]}, user_id="u", channel_id="C1", held=True)
    assert jobs.claim_next(store) is None
    jobs.release_job(store, job.id, thread_ts="1.0", message_ts="1.0")
    claimed = jobs.claim_next(store)
    assert claimed.id == job.id and claimed.status == jobs.RUNNING and claimed.thread_ts == "1.0"


def test_restart_requeues_running_jobs(store):
    job_id = queue(store, "alice")[0]
    jobs.claim_next(store)
    assert Store(store.path) and jobs.requeue_interrupted(store) == 1
    assert jobs.get_job(store, job_id).status == jobs.QUEUED


def test_cancel_queued_is_immediate_and_running_is_requested(store):
    first, second = queue(store, "alice", 2)
    jobs.claim_next(store)
    assert jobs.request_cancel(store, second, "bob").status == jobs.CANCELLED
    running = jobs.request_cancel(store, first, "bob")
    assert running.status == jobs.RUNNING and jobs.cancel_requested(store, first)
    assert running.cancelled_by == "bob"


def test_deliveries_are_seen_once(store):
    assert store.first_delivery("event:Ev1")
    assert not store.first_delivery("event:Ev1")


def test_the_fair_share_query_seeks_each_persons_latest_start_in_an_index(store):
    plan = " ".join(
        r["detail"] for r in store.db.query("EXPLAIN QUERY PLAN " + jobs._FAIR_ORDER_SQL)
    )
    assert "idx_jobs_user_id_started_at" in plan and "SCAN" not in plan.replace("SCAN k", "")
