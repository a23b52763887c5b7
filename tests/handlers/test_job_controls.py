"""Cancel, Retry after a failure, and resuming work after a restart — through Slack."""

from __future__ import annotations

import threading
import time

from bot.jobs import rows as jobs
from tests.handlers.conftest import start_bot


class GatedRunner:
    """Runs the tiny model, but only once the gate opens; checks for cancel/stop while waiting."""

    def __init__(self, inner, gate: threading.Event):
        self.inner, self.gate = inner, gate
        self.started = threading.Event()

    def describe(self, request):
        return self.inner.describe(request)

    def generate(self, request, progress=None, cancelled=None, **kwargs):
        self.started.set()
        while not self.gate.wait(0.05):
            if cancelled and cancelled():
                from models.request import GenerationCancelled

                raise GenerationCancelled()
        return self.inner.generate(request, progress=progress, cancelled=cancelled, **kwargs)


class FlakyRunner:
    """Fails the first call the way a broken model would, then works."""

    def __init__(self, inner):
        self.inner, self.calls = inner, 0

    def describe(self, request):
        return self.inner.describe(request)

    def generate(self, request, progress=None, cancelled=None, **kwargs):
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("the UNet produced NaNs at step 1\ntraceback noise")
        return self.inner.generate(request, progress=progress, cancelled=cancelled, **kwargs)


def root_of(bot, index=0):
    return bot.slack.wait_for(
        lambda: bot.root_messages()[index] if len(bot.root_messages()) > index else None
    )


def root_named(bot, prompt):
    """The status message of the draft of ``prompt``: status posts of commands sent together
    run side by side, so their order in the channel is not the order they were sent."""
    return bot.slack.wait_for(
        lambda: next((m for m in bot.root_messages() if f">{prompt}" in str(m["blocks"])), None)
    )


def test_cancel_a_running_and_a_queued_job(tmp_path, slack, tiny_runner):
    gate = threading.Event()
    runner = GatedRunner(tiny_runner, gate)
    bot = start_bot(tmp_path, slack, lambda device: runner)
    try:
        bot.sender.command("/draft", "first --n 1", user_id="U1")
        first = root_of(bot, 0)
        assert runner.started.wait(10)
        bot.sender.command("/draft", "second --n 1", user_id="U2")
        second = root_of(bot, 1)
        bot.slack.wait_for(
            lambda: "position 1" in str(bot.slack.message("C1", second["ts"])["blocks"])
        )

        bot.sender.block_action("cancel_job", None, "U3", "C1", second["ts"])
        bot.slack.wait_for(
            lambda: [r for r in bot.slack.responses if "Only <@U2>" in str(r)] or None
        )
        assert jobs.get_job(bot.runtime.store, 2).status == jobs.QUEUED, "not U3's to cancel"
        bot.sender.block_action("cancel_job", None, "U2", "C1", second["ts"])
        bot.slack.wait_for(
            lambda: "Cancelled by <@U2>" in str(bot.slack.message("C1", second["ts"])["blocks"])
        )
        assert jobs.get_job(bot.runtime.store, 2).status == jobs.CANCELLED

        bot.sender.block_action("cancel_job", None, "U1", "C1", first["ts"])
        bot.slack.wait_for(
            lambda: "Cancelled by <@U1>" in str(bot.slack.message("C1", first["ts"])["blocks"])
        )
        assert jobs.get_job(bot.runtime.store, 1).status == jobs.CANCELLED
        assert not [
            b for b in bot.slack.message("C1", first["ts"])["blocks"] if b["type"] == "actions"
        ]
        time.sleep(0.5)
        assert (
            bot.slack.thread("C1", first["ts"]) == [] and bot.slack.thread("C1", second["ts"]) == []
        )
        assert bot.runtime.store.db["assets"].count == 0
    finally:
        gate.set()
        bot.stop()


def test_failed_job_says_why_and_retry_works(tmp_path, slack, tiny_runner):
    flaky = FlakyRunner(tiny_runner)
    bot = start_bot(tmp_path, slack, lambda device: flaky)
    try:
        bot.sender.command("/draft", "a glass bottle --n 2 --seed 5")
        root = root_of(bot)
        failure = bot.slack.wait_for(lambda: next(iter(bot.bot_replies("C1", root["ts"])), None))
        assert (
            "Draft failed." in str(failure["blocks"])
            and "the UNet produced NaNs at step 1" in failure["text"]
        )
        assert "traceback noise" not in failure["text"]
        job = jobs.get_job(bot.runtime.store, 1)
        assert job.status == jobs.FAILED and job.error == "the UNet produced NaNs at step 1"
        bot.slack.wait_for(lambda: "Failed" in str(bot.slack.message("C1", root["ts"])["blocks"]))

        bot.sender.block_action("retry_job", None, "U1", "C1", failure["ts"])
        shown = bot.wait_for_variants("C1", root["ts"])[0]
        titles = [b["title"]["text"] for b in shown["blocks"] if b["type"] == "image"]
        assert titles == ["#1 · seed 5 · a1", "#2 · seed 6 · a2"], "a retry keeps the seeds"
        retry = jobs.get_job(bot.runtime.store, 2)
        assert retry.attempt == 2 and retry.parent_job_id == 1 and retry.status == jobs.DONE
    finally:
        bot.stop()


def test_restart_resumes_running_and_queued_jobs(tmp_path, slack, tiny_runner):
    gate = threading.Event()
    runner = GatedRunner(tiny_runner, gate)
    first_bot = start_bot(tmp_path, slack, lambda device: runner)
    first_bot.sender.command("/draft", "running when we stop --n 1")
    assert runner.started.wait(10)
    first_bot.sender.command("/draft", "queued when we stop --n 1")
    root_of(first_bot, 1)
    first_bot.stop()
    # The running job stopped at a step boundary and went back to the queue; a stop on purpose
    # does not count as a resume (only a process that died does).
    stopped = [jobs.get_job(first_bot.runtime.store, i) for i in (1, 2)]
    assert [(j.status, j.resumes) for j in stopped] == [(jobs.QUEUED, 0), (jobs.QUEUED, 0)]

    second_bot = start_bot(tmp_path, slack, lambda device: tiny_runner)
    try:
        for index in (0, 1):
            root = root_of(second_bot, index)
            second_bot.wait_for_variants("C1", root["ts"])
        assert {jobs.get_job(second_bot.runtime.store, i).status for i in (1, 2)} == {jobs.DONE}
    finally:
        second_bot.stop()


class OneAtATime:
    """The tiny model, one job per release: the test decides when each job may run."""

    def __init__(self, inner):
        self.inner, self.permits = inner, threading.Semaphore(0)
        self.calls = 0

    def describe(self, request):
        return self.inner.describe(request)

    def generate(self, request, progress=None, cancelled=None, **kwargs):
        self.calls += 1
        while not self.permits.acquire(timeout=0.05):
            if cancelled and cancelled():
                from models.request import GenerationCancelled

                raise GenerationCancelled()
        return self.inner.generate(request, progress=progress, cancelled=cancelled, **kwargs)


def test_queue_positions_count_down_as_jobs_start(tmp_path, slack, tiny_runner):
    runner = OneAtATime(tiny_runner)
    bot = start_bot(tmp_path, slack, lambda device: runner)
    try:
        bot.sender.command("/draft", "first --n 1", user_id="U1")
        bot.slack.wait_for(lambda: runner.calls == 1)
        bot.sender.command("/draft", "second --n 1", user_id="U2")
        bot.sender.command("/draft", "third --n 1", user_id="U3")
        third = root_named(bot, "third")
        status = lambda: str(bot.slack.message("C1", third["ts"])["blocks"])  # noqa: E731
        bot.slack.wait_for(lambda: "position 2" in status())
        runner.permits.release()  # first finishes, second starts, third moves up
        bot.slack.wait_for(lambda: "position 1" in status())
        runner.permits.release()
        runner.permits.release()
        for index in range(3):
            bot.wait_for_variants("C1", root_of(bot, index)["ts"])
    finally:
        for _ in range(3):
            runner.permits.release()
        bot.stop()


def test_results_made_but_not_shown_before_a_stop_are_shown_at_the_next_start(
    tmp_path, slack, tiny_runner
):
    first_bot = start_bot(tmp_path, slack, lambda device: tiny_runner)
    stuck = threading.Event()
    first_bot.runtime.outbox.submit(stuck.wait)  # a slow Slack: nothing after this gets posted
    first_bot.runtime.engine.wake()
    # A command is acked and announced on Bolt's thread, then done by the worker; its results
    # wait behind the stuck call.
    first_bot.sender.command("/draft", "made before the stop --n 2")
    root = slack.wait_for(lambda: first_bot.root_messages() or None)[0]
    slack.wait_for(lambda: jobs.get_job(first_bot.runtime.store, 1).status == jobs.DONE)
    first_bot.runtime.engine.stop()
    first_bot.stop_http()
    assert first_bot.runtime.outbox.discard() >= 1, "the results were still waiting: a crash"
    stuck.set()
    assert jobs.get_job(first_bot.runtime.store, 1).reported_at is None
    assert first_bot.bot_replies("C1", root["ts"]) == []

    second_bot = start_bot(tmp_path, slack, lambda device: tiny_runner)
    try:
        shown = second_bot.wait_for_variants("C1", root["ts"])[0]
        assert len([b for b in shown["blocks"] if b["type"] == "image"]) == 2
        slack.wait_for(lambda: jobs.get_job(second_bot.runtime.store, 1).reported_at is not None)
    finally:
        second_bot.stop()


def test_cancelling_a_queued_job_moves_the_ones_behind_it_up(tmp_path, slack, tiny_runner):
    runner = OneAtATime(tiny_runner)
    bot = start_bot(tmp_path, slack, lambda device: runner)
    try:
        bot.sender.command("/draft", "running --n 1", user_id="U1")
        bot.slack.wait_for(lambda: runner.calls == 1)
        for user in ("U2", "U3", "U4"):
            bot.sender.command("/draft", f"queued for {user} --n 1", user_id=user)
        second, third, fourth = (root_of(bot, i) for i in (1, 2, 3))
        status = lambda m: str(bot.slack.message("C1", m["ts"])["blocks"])  # noqa: E731
        bot.slack.wait_for(lambda: "position 3" in status(fourth))
        bot.sender.block_action("cancel_job", None, "U2", "C1", second["ts"])
        bot.slack.wait_for(lambda: "Cancelled by <@U2>" in status(second))
        bot.slack.wait_for(lambda: "position 1" in status(third) and "position 2" in status(fourth))
    finally:
        for _ in range(4):
            runner.permits.release()
        bot.stop()


def test_a_channels_approver_may_cancel_anyones_job(bot):
    bot.sender.command("/dailies", "approvers <@U9>", user_id="U1")
    bot.runtime.engine.stop(5)  # nothing runs: the job stays queued until cancelled
    bot.sender.command("/draft", "a queued kite --n 1", user_id="U1")
    root = bot.slack.wait_for(lambda: bot.root_messages() or None)[0]
    bot.sender.block_action("cancel_job", None, "U9", "C1", root["ts"])
    bot.slack.wait_for(
        lambda: "Cancelled by <@U9>" in str(bot.slack.message("C1", root["ts"])["blocks"])
    )
