"""A job that fails part way shows the images it finished, says how far it got, and Retry makes
only the rest — through the real app and the Slack imitation."""

from __future__ import annotations

import threading
from dataclasses import replace

from bot.jobs import rows as jobs
from bot.store.assets import job_assets
from tests.handlers.conftest import start_bot


class FailsOnSeed:
    """The tiny model one seed at a time, raising the way a broken model would on the
    ``at``-th seed (0-based) of the first job it runs."""

    def __init__(self, inner, at: int):
        self.inner, self.at, self.failed = inner, at, False

    def describe(self, request):
        return self.inner.describe(request)

    def generate(self, request, progress=None, cancelled=None, on_image=None, **kwargs):
        for index, seed in enumerate(request.seeds):
            if index == self.at and not self.failed:
                self.failed = True
                raise RuntimeError(f"the UNet produced NaNs on seed {seed}")
            self.inner.generate(
                replace(request, seeds=(seed,)),
                cancelled=cancelled,
                on_image=lambda _, image, index=index: on_image(index, image),
            )


def images(message):
    return [b["title"]["text"] for b in message["blocks"] if b["type"] == "image"]


def test_a_draft_failing_on_its_third_seed_posts_the_two_it_made(tmp_path, slack, tiny_runner):
    bot = start_bot(tmp_path, slack, lambda device: FailsOnSeed(tiny_runner, at=2))
    try:
        bot.sender.command("/draft", "a copper kettle --n 4 --seed 10")
        root = bot.slack.wait_for(lambda: bot.root_messages() or None)[0]
        shown = bot.wait_for_variants("C1", root["ts"])[0]
        assert images(shown) == ["#1 · seed 10 · a1", "#2 · seed 11 · a2"]
        assert len(bot.slack.files) == 2
        assert all(f["thread_ts"] == root["ts"] for f in bot.slack.files.values())
        replies = bot.bot_replies("C1", root["ts"])
        failure = next(m for m in replies if "failed" in m["text"])
        assert (
            "2 of 4 images made · variant 3 failed: the UNet produced NaNs on seed 12"
            in (failure["text"])
        )
        retry = next(b for b in failure["blocks"] if b["type"] == "actions")["elements"][0]
        assert retry["text"]["text"] == "Retry the other 2"
        bot.slack.wait_for(
            lambda: "2 of 4 images made" in str(bot.slack.message("C1", root["ts"])["blocks"])
        )
        status = str(bot.slack.message("C1", root["ts"])["blocks"])
        assert "Failed" in status and "Done" not in status
        assert jobs.get_job(bot.runtime.store, 1).status == jobs.FAILED

        # Retry makes the two that are missing, with their numbers and seeds.
        bot.sender.block_action("retry_job", None, "U1", "C1", failure["ts"])
        again = bot.wait_for_variants("C1", root["ts"], count=2)[1]
        assert images(again) == ["#3 · seed 12 · a3", "#4 · seed 13 · a4"]
        assert jobs.get_job(bot.runtime.store, 2).status == jobs.DONE
    finally:
        bot.stop()


def test_a_job_failing_before_any_image_says_so_with_a_plain_retry(tmp_path, slack, tiny_runner):
    bot = start_bot(tmp_path, slack, lambda device: FailsOnSeed(tiny_runner, at=0))
    try:
        bot.sender.command("/draft", "a copper kettle --n 2 --seed 10")
        root = bot.slack.wait_for(lambda: bot.root_messages() or None)[0]
        failure = bot.slack.wait_for(lambda: next(iter(bot.bot_replies("C1", root["ts"])), None))
        assert "Draft failed." in str(failure["blocks"]) and "made" not in failure["text"]
        retry = next(b for b in failure["blocks"] if b["type"] == "actions")["elements"][0]
        assert retry["text"]["text"] == "Retry"
        assert not bot.slack.files
    finally:
        bot.stop()


class HangsOnSeed(FailsOnSeed):
    """One seed at a time; the ``at``-th hangs (checking nothing) until the test releases it."""

    def __init__(self, inner, at: int):
        super().__init__(inner, at)
        self.release = threading.Event()

    def generate(self, request, progress=None, cancelled=None, on_image=None, **kwargs):
        for index, seed in enumerate(request.seeds):
            if index == self.at:
                self.thread = threading.current_thread()
                self.release.wait(60)
            self.inner.generate(
                replace(request, seeds=(seed,)),
                on_image=lambda _, image, index=index: on_image(index, image),
            )


def test_a_draft_past_its_time_limit_posts_what_it_made_before(tmp_path, slack, tiny_runner):
    runner = HangsOnSeed(tiny_runner, at=2)
    bot = start_bot(tmp_path, slack, lambda device: runner, job_timeouts="draft=4")
    try:
        bot.sender.command("/draft", "a brass owl --n 3 --seed 20")
        root = bot.slack.wait_for(lambda: bot.root_messages() or None)[0]
        shown = bot.wait_for_variants("C1", root["ts"], timeout=30)[0]
        assert images(shown) == ["#1 · seed 20 · a1", "#2 · seed 21 · a2"]
        failure = next(m for m in bot.bot_replies("C1", root["ts"]) if "failed" in m["text"])
        assert (
            "2 of 3 images made · variant 3 failed: this job ran past its time limit of 4 s"
            in (failure["text"])
        )
        assert "Failed" in str(bot.slack.message("C1", root["ts"])["blocks"])
        runner.release.set()  # the hung step ends late: its image is neither saved nor shown
        runner.thread.join(30)
        assert bot.runtime.outbox.drain(10)
        assert len(job_assets(bot.runtime.store, 1)) == 2
        assert len(bot.wait_for_variants("C1", root["ts"])) == 1
    finally:
        runner.release.set()
        bot.stop()
