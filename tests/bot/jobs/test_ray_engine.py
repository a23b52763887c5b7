"""The Ray engine end to end: jobs run on Ray actors, the bot stays the only writer of SQLite
and Slack, and a dead worker, a Cancel or a restart never loses or doubles a result."""

from __future__ import annotations

import os

import pytest

from bot.jobs import rows as jobs
from tests.bot.jobs import ray_runners
from tests.handlers.conftest import start_bot
from tests.handlers.review_helpers import start_draft

pytest.importorskip("ray")


def ray_bot(tmp_path, slack, factory, **settings):
    return start_bot(
        tmp_path, slack, None, remote_runner_factory=factory, engine="ray", ray_workers=1,
        **settings,
    )  # fmt: skip


def variants_messages(bot, thread_ts):
    return [
        m
        for m in bot.bot_replies("C1", thread_ts)
        if any(str(b.get("block_id", "")).startswith("variant_") for b in m.get("blocks") or [])
    ]


def images(message):
    return [b for b in message["blocks"] if b["type"] == "image"]


def root_shows(bot, text, index=0):
    def found():
        roots = bot.root_messages()
        return roots[index] if len(roots) > index and text in str(roots[index]["blocks"]) else None

    return bot.slack.wait_for(found, timeout=90)


def test_a_draft_runs_on_a_ray_worker_with_the_same_bytes_as_in_process(
    tmp_path, slack, tiny_runner, ray_cluster
):
    bot = ray_bot(tmp_path / "ray", slack, ray_runners.tiny)
    try:
        _, shown = start_draft(bot, "a lighthouse at dusk --n 2 --seed 5")
        assert len(images(shown)) == 2 and "#2 · seed 6" in str(shown["blocks"])
        [worker] = bot.runtime.engine.workers()
        assert worker["pid"] != os.getpid() and worker["jobs_done"] >= 1
        on_ray = [
            a["sha256"] for a in bot.runtime.store.db["assets"].rows_where(order_by="variant")
        ]
    finally:
        bot.stop()
    local = start_bot(tmp_path / "local", slack, lambda device: tiny_runner)
    try:
        start_draft(local, "a lighthouse at dusk --n 2 --seed 5")
        assert [
            a["sha256"] for a in local.runtime.store.db["assets"].rows_where(order_by="variant")
        ] == on_ray
    finally:
        local.stop()


def test_a_worker_killed_mid_job_is_replaced_and_its_job_posted_once(tmp_path, slack, ray_cluster):
    marker = tmp_path / "died"
    bot = ray_bot(tmp_path, slack, ray_runners.dies_once_factory(str(marker)))
    try:
        root, shown = start_draft(bot, "a paper lantern --n 3 --seed 1")
        assert marker.exists(), "the first worker died mid-job"
        assert len(images(shown)) == 3
        job = jobs.get_job(bot.runtime.store, 1)
        assert (job.status, job.worker_losses) == (jobs.DONE, 1)
        assert len(variants_messages(bot, root["ts"])) == 1
        assert bot.runtime.store.db["assets"].count == 3, "the saved variant was not made twice"
        [worker] = bot.runtime.engine.workers()
        assert str(worker["pid"]) != marker.read_text(), "a fresh actor took its place"
    finally:
        bot.stop()


def test_ray_kill_of_a_busy_actor_retries_the_job_on_a_new_one(tmp_path, slack, ray_cluster):
    import ray

    bot = ray_bot(tmp_path, slack, ray_runners.slow)
    try:
        bot.sender.command("/draft", "a teapot --n 2 --steps 4")
        root = root_shows(bot, "Rendering · step")
        ray.kill(bot.runtime.engine.pool.actor(0))
        bot.wait_for_variants("C1", root["ts"], timeout=120)
        assert jobs.get_job(bot.runtime.store, 1).worker_losses == 1
        assert len(variants_messages(bot, root["ts"])) == 1
    finally:
        bot.stop()


def test_cancel_stops_a_job_running_on_ray(tmp_path, slack, ray_cluster):
    bot = ray_bot(tmp_path, slack, ray_runners.slow)
    try:
        bot.sender.command("/draft", "a long job --n 4 --steps 8")
        root = root_shows(bot, "Rendering · step")
        bot.sender.block_action("cancel_job", None, "U1", "C1", root["ts"])
        root_shows(bot, "Cancelled by <@U1>")
        assert jobs.get_job(bot.runtime.store, 1).status == jobs.CANCELLED
        assert bot.runtime.store.db["assets"].count < 4
    finally:
        bot.stop()


def test_cancel_of_a_step_hung_on_ray_replaces_the_actor_and_the_queue_moves(
    tmp_path, slack, ray_cluster
):
    gate = tmp_path / "go"
    bot = ray_bot(tmp_path, slack, ray_runners.gated_factory(str(gate)))
    try:
        bot.runtime.engine.ready.wait(60)
        [before] = bot.runtime.engine.workers()
        bot.sender.command("/draft", "a hung step --n 1", user_id="U1")
        root = root_shows(bot, "Rendering")
        bot.sender.command("/draft", "the next one --n 1", user_id="U2")
        bot.sender.block_action("cancel_job", None, "U1", "C1", root["ts"])
        root_shows(bot, "Cancelled by <@U1>")  # the step still hangs: the watchdog gave up on it
        gate.write_text("go")  # a fresh actor's steps run
        second = root_shows(bot, "Done", index=1)
        assert "the next one" in str(second["blocks"])
        [after] = bot.runtime.engine.workers()
        assert after["pid"] != before["pid"], "the hung actor was replaced"
        assert jobs.get_job(bot.runtime.store, 1).status == jobs.CANCELLED
        assert not list(bot.runtime.store.db["assets"].rows_where("job_id = 1"))
    finally:
        bot.stop()


def test_a_job_that_kills_every_worker_fails_with_retry(tmp_path, slack, ray_cluster):
    bot = ray_bot(tmp_path, slack, ray_runners.always_dies)
    try:
        bot.sender.command("/draft", "a poison pill --n 1")
        root = root_shows(bot, "Failed")
        failure = bot.slack.wait_for(lambda: next(iter(bot.bot_replies("C1", root["ts"])), None))
        assert "died 2 times" in str(failure["blocks"])
        assert "retry_job" in str(failure["blocks"])
    finally:
        bot.stop()


def test_a_restart_during_a_ray_job_posts_its_results_once(tmp_path, slack, ray_cluster):
    bot = ray_bot(tmp_path, slack, ray_runners.slow)
    bot.sender.command("/draft", "a quiet harbour --n 2 --steps 4")
    root = root_shows(bot, "Rendering · step")
    bot.stop()
    again = ray_bot(tmp_path, slack, ray_runners.tiny)
    try:
        again.wait_for_variants("C1", root["ts"], timeout=120)
        assert len(variants_messages(again, root["ts"])) == 1
        assert len(again.root_messages()) == 1
        assert jobs.get_job(again.runtime.store, 1).status == jobs.DONE
    finally:
        again.stop()


def test_dailies_workers_lists_the_pool_of_a_running_bot(tmp_path, slack, ray_cluster):
    from bot.jobs.ray_status import pool_workers, workers_table
    from handlers.cli import main

    bot = ray_bot(tmp_path, slack, ray_runners.tiny)
    try:
        start_draft(bot, "a desk lamp --n 1")
        table = workers_table(pool_workers())
        [line] = [
            line
            for line in table.splitlines()
            if f"pid {bot.runtime.engine.workers()[0]['pid']}" in line
        ]
        assert "cpu · tiny loaded · idle · 1 jobs done · 0 failures" in line
    finally:
        bot.stop()
    assert "no dailies workers" in workers_table([])
    assert main(["workers"]) == 2, "DAILIES_ENGINE is embedded by default: said, not a traceback"


def test_queued_jobs_wait_while_the_workers_are_unreachable_and_run_when_back(
    tmp_path, slack, ray_cluster
):
    bot = ray_bot(tmp_path, slack, ray_runners.tiny)
    pool = bot.runtime.engine.pool
    healthy = pool.healthy
    asked = []

    def cluster_gone(slot):
        asked.append(slot)
        return False

    try:
        bot.runtime.engine.ready.wait(60)
        pool.healthy = cluster_gone
        bot.slack.wait_for(lambda: asked or None, timeout=30)  # the worker has seen it gone
        bot.sender.command("/draft", "a lighthouse --n 1")
        root = root_shows(bot, "Waiting for workers: no Ray worker answers yet")
        assert "Queued" in str(root["blocks"]) and "it starts when one does" in str(root["blocks"])
        bot.slack.wait_for(lambda: len(asked) >= 3 or None, timeout=30)
        assert jobs.get_job(bot.runtime.store, 1).status == jobs.QUEUED, "waits, not failed"
        pool.healthy = healthy
        bot.wait_for_variants("C1", root["ts"], timeout=60)
        assert jobs.get_job(bot.runtime.store, 1).status == jobs.DONE
        done = root_shows(bot, "Done")
        assert "Waiting for workers" not in str(done["blocks"])
    finally:
        bot.stop()


def test_the_pool_grows_while_jobs_wait_and_shrinks_when_idle(tmp_path, slack, ray_cluster):
    gate = tmp_path / "go"
    bot = ray_bot(
        tmp_path, slack, ray_runners.gated_factory(str(gate)), ray_max_workers=2, ray_idle_s=1.0
    )
    engine = bot.runtime.engine
    try:
        engine.ready.wait(60)
        assert len(engine.workers()) == 1
        bot.sender.command("/draft", "first --n 1", user_id="U1")
        bot.sender.command("/draft", "second --n 1", user_id="U2")
        both = bot.slack.wait_for(
            lambda: bot.runtime.store.db["jobs"].count_where("status = 'running'") == 2 or None,
            timeout=90,
        )
        assert both and len(engine.workers()) == 2, "a second worker took the waiting job"
        gate.write_text("go")
        for root in bot.root_messages():
            bot.wait_for_variants("C1", root["ts"], timeout=90)
        bot.slack.wait_for(lambda: len(engine.workers()) == 1 or None, timeout=30)
    finally:
        bot.stop()
