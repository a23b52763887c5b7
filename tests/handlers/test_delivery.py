"""Results that were made are never lost, never "Done" before they are visible, never posted twice.

Slack's bad moments are made to happen with the imitation's fault injection (500/503 on one
method, exhausted 429s, uploads that never share); a crash is a delivery step that never
returns while the bot is replaced by a new one on the same database.
"""

from __future__ import annotations

import threading

import pytest

from bot.jobs import rows as jobs
from bot.slack import effects
from tests.handlers.conftest import start_bot

# A "killed" delivery thread ends with an exception nothing catches, as a dead process would.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")


def root_of(bot):
    return bot.slack.wait_for(lambda: bot.root_messages() or None)[0]


def root_text(bot, ts):
    return str(bot.slack.message("C1", ts)["blocks"])


def whispers(bot, user="U1"):
    return [e["text"] for e in bot.slack.ephemerals if e["user"] == user]


def test_a_5xx_slack_sdk_retries_away_is_posted_once(bot):
    bot.slack.fail("files.completeUploadExternal", status=503, times=2)
    bot.sender.command("/draft", "a teapot --n 2")
    root = root_of(bot)
    bot.wait_for_variants("C1", root["ts"])
    bot.slack.wait_for(lambda: "Done" in root_text(bot, root["ts"]))
    assert len(bot.slack.files) == 2
    assert not whispers(bot)


def test_results_slack_refuses_stay_unreported_then_post_on_the_schedule(
    tmp_path, slack, tiny_runner
):
    bot = start_bot(
        tmp_path, slack, lambda device: tiny_runner, delivery_retry_s=0.5, server_error_retries=1
    )
    try:
        slack.fail("files.completeUploadExternal", status=500, times=-1)
        bot.sender.command("/draft", "a lighthouse at dusk --n 2")
        root = root_of(bot)
        slack.wait_for(lambda: "Made, not yet posted" in root_text(bot, root["ts"]))
        shown = root_text(bot, root["ts"])
        assert "Done" not in shown and "Post again" in shown and "2 images saved" in shown
        job = jobs.get_job(bot.runtime.store, 1)
        assert job.status == jobs.DONE and job.reported_at is None
        told = slack.wait_for(lambda: whispers(bot) or None)
        assert "were made and saved" in told[0] and "500" in told[0]

        slack.clear_faults()
        bot.wait_for_variants("C1", root["ts"])
        slack.wait_for(lambda: "Done" in root_text(bot, root["ts"]))
        assert "Post again" not in root_text(bot, root["ts"])
        slack.wait_for(lambda: jobs.get_job(bot.runtime.store, 1).reported_at is not None)
        shared = [f for f in slack.files.values() if f["channels"]]
        assert len(shared) == 2, "each variant shared exactly once"
        assert len(whispers(bot)) == 1, "told once, not at every try"
    finally:
        bot.stop()


def test_post_again_posts_results_after_retries_ran_out(tmp_path, slack, tiny_runner):
    bot = start_bot(
        tmp_path, slack, lambda device: tiny_runner, delivery_retries=1, server_error_retries=0
    )
    try:
        bot.sender.command("/draft", "a paper crane")
        root = root_of(bot)
        slack.fail("files.completeUploadExternal", status=503, times=-1)
        slack.wait_for(lambda: "Post again" in root_text(bot, root["ts"]))
        told = slack.wait_for(lambda: whispers(bot) or None)
        assert "Press *Post again*" in told[0], "no retry is scheduled: say so"
        assert jobs.get_job(bot.runtime.store, 1).delivery_next_at is None

        slack.clear_faults()
        bot.sender.block_action("post_again", None, "U1", "C1", root["ts"])
        bot.wait_for_variants("C1", root["ts"])
        slack.wait_for(lambda: "Done" in root_text(bot, root["ts"]))
        assert len(bot.wait_for_variants("C1", root["ts"])) == 1
        assert "Post again" not in root_text(bot, root["ts"])
    finally:
        bot.stop()


def test_a_never_shared_upload_is_not_done(tmp_path, tiny_runner):
    from bot.playground.slack_api import SlackImitation

    with SlackImitation(file_share_delay=3600) as slow:
        bot = start_bot(tmp_path, slow, lambda device: tiny_runner, file_share_timeout_s=0.5)
        try:
            bot.sender.command("/draft", "a kite")
            root = root_of(bot)
            slow.wait_for(lambda: "Made, not yet posted" in root_text(bot, root["ts"]))
            assert jobs.get_job(bot.runtime.store, 1).reported_at is None
        finally:
            bot.stop()


class Killed(BaseException):
    """What the frozen thread dies of at the end of the test (no handler catches it)."""


class Freeze:
    """A delivery step that does not return while the test runs: what the process looks like
    when it is killed there. ``release`` ends the frozen thread without it doing anything more."""

    def __init__(self, at: str) -> None:
        self.at = at
        self.reached = threading.Event()
        self._released = threading.Event()

    def __call__(self, name: str) -> None:
        if name == self.at and not self.reached.is_set():
            self.reached.set()
            self._released.wait()
            raise Killed()

    def release(self) -> None:
        self._released.set()


@pytest.fixture
def freeze(monkeypatch):
    frozen: list[Freeze] = []

    def at(step: str) -> Freeze:
        frozen.append(Freeze(step))
        monkeypatch.setattr(effects, "checkpoint", frozen[-1])
        return frozen[-1]

    yield at
    for each in frozen:
        each.release()


def crash_and_restart(bot, tmp_path, slack, tiny_runner, monkeypatch):
    """The old bot stops answering at once (its frozen outbox keeps its queue); a new one starts
    on the same home, as after kill -9."""
    bot.stop_http()
    bot.runtime.engine.stop(timeout=5)
    bot.runtime.outbox.discard()
    for ticker in bot.runtime.tickers:
        ticker.stop()
    monkeypatch.setattr(effects, "checkpoint", lambda name: None)
    return start_bot(tmp_path, slack, lambda device: tiny_runner)


def test_a_crash_after_the_variants_post_does_not_post_them_twice(
    tmp_path, slack, tiny_runner, monkeypatch, freeze
):
    frozen = freeze("after:variants")
    bot = start_bot(tmp_path, slack, lambda device: tiny_runner)
    bot.sender.command("/draft", "a red fox --n 2")
    root = root_of(bot)
    assert frozen.reached.wait(60)
    again = crash_and_restart(bot, tmp_path, slack, tiny_runner, monkeypatch)
    try:
        slack.wait_for(lambda: "Done" in root_text(again, root["ts"]))
        assert len(again.wait_for_variants("C1", root["ts"])) == 1
        assert len(slack.files) == 2
        assert len(again.root_messages()) == 1
    finally:
        again.stop()


def test_a_crash_during_the_upload_completion_uploads_each_file_once(
    tmp_path, slack, tiny_runner, monkeypatch, freeze
):
    frozen = freeze("after:upload:1")
    bot = start_bot(tmp_path, slack, lambda device: tiny_runner)
    bot.sender.command("/draft", "a blue heron --n 2")
    root = root_of(bot)
    assert frozen.reached.wait(60)
    again = crash_and_restart(bot, tmp_path, slack, tiny_runner, monkeypatch)
    try:
        again.wait_for_variants("C1", root["ts"])
        slack.wait_for(lambda: "Done" in root_text(again, root["ts"]))
        shared = [f for f in slack.files.values() if f["channels"]]
        assert len(shared) == 2, f"{len(shared)} files shared for 2 variants"
    finally:
        again.stop()


def test_a_crash_during_the_status_post_leaves_one_root(
    tmp_path, slack, tiny_runner, monkeypatch, freeze
):
    frozen = freeze("after:status")
    bot = start_bot(tmp_path, slack, lambda device: tiny_runner)
    threading.Thread(target=bot.sender.command, args=("/draft", "an owl"), daemon=True).start()
    assert frozen.reached.wait(60)
    again = crash_and_restart(bot, tmp_path, slack, tiny_runner, monkeypatch)
    try:
        root = root_of(again)
        slack.wait_for(lambda: "Done" in root_text(again, root["ts"]))
        assert len(again.root_messages()) == 1
        again.wait_for_variants("C1", root["ts"])
    finally:
        again.stop()


def test_a_post_slack_made_but_answered_500_is_not_posted_twice(tmp_path, slack, tiny_runner):
    """slack_sdk would repeat the call at once and post the variants twice; the bot instead
    fails it to the outbox, whose retry finds the message by its metadata."""
    bot = start_bot(tmp_path, slack, lambda device: tiny_runner, delivery_retry_s=0.3)
    try:
        bot.sender.command("/draft", "a lighthouse at dusk --n 2")
        root = root_of(bot)
        slack.fail("chat.postMessage", status=500, times=1, acted=True)
        bot.wait_for_variants("C1", root["ts"])
        slack.wait_for(lambda: jobs.get_job(bot.runtime.store, 1).reported_at is not None)
        slack.wait_for(lambda: "Done" in root_text(bot, root["ts"]))
        variants = [
            m for m in bot.bot_replies("C1", root["ts"]) if "variant_1" in str(m.get("blocks"))
        ]
        assert len(variants) == 1, "posted once though Slack answered 500"
        assert len(bot.root_messages()) == 1
    finally:
        bot.stop()
