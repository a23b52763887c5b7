"""Cancel in the middle of a job: what was already finished is shown, with how far it got."""

from __future__ import annotations

import threading

from bot.jobs import rows as jobs
from models.runner import ModelRunner
from tests.handlers.conftest import start_bot
from tests.handlers.test_animate import (
    buttons,
    clip_messages,
    draft_variant,
    modal_values,
    open_modal,
    video_assets,
)


class PauseAtCall:
    """The tiny runner, pausing at the first step of image (or clip) number ``at`` (0-based)
    until the test opens the gate, so a cancel lands after the earlier ones are saved."""

    def __init__(self, inner, at: int):
        self.inner, self.at = inner, at
        self.calls = 0
        self.started, self.gate = threading.Event(), threading.Event()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def _pausing(self, index, progress):
        def paused(image, step, steps):
            if index(image) == self.at and step <= 1:
                self.started.set()
                self.gate.wait(10)
            if progress:
                progress(image, step, steps)

        return paused

    def generate(self, request, progress=None, cancelled=None, **kwargs):
        paused = self._pausing(lambda image: image, progress)
        return self.inner.generate(request, progress=paused, cancelled=cancelled, **kwargs)

    def animate(self, request, progress=None, cancelled=None):
        call, self.calls = self.calls, self.calls + 1
        paused = self._pausing(lambda _: call, progress)
        return self.inner.animate(request, progress=paused, cancelled=cancelled)


def cancel_when_paused(bot, runner, status_ts):
    assert runner.started.wait(60)
    bot.sender.block_action("cancel_job", None, "U1", "C1", status_ts)
    bot.slack.wait_for(lambda: jobs.get_job(bot.runtime.store, 2).cancel_requested or None)
    runner.gate.set()


def test_cancelled_test_clips_post_the_clips_already_made(tmp_path, slack, tiny_runner):
    runner = PauseAtCall(tiny_runner, at=1)
    bot = start_bot(tmp_path, slack, lambda device: runner)
    try:
        root, shown = draft_variant(bot)
        open_modal(bot, shown)
        bot.sender.view_submission("animate_modal", modal_values(count=3), "U1")
        runner.started.wait(60)
        status = next(m for m in bot.bot_replies("C1", root["ts"]) if "Test clips" in m["text"])
        cancel_when_paused(bot, runner, status["ts"])
        message = clip_messages(bot, root["ts"])[0]
        made = video_assets(bot)
        assert len(made) == 1 and jobs.get_job(bot.runtime.store, 2).status == jobs.CANCELLED
        assert buttons(message) == [f"clip_hd:{made[0]['id']}", f"clip_extend:{made[0]['id']}"]
        assert bot.slack.files[made[0]["slack_file_id"]]["thread_ts"] == root["ts"]
        texts = [m["text"] for m in bot.bot_replies("C1", root["ts"])]
        assert any("Cancelled after 1 of 3 clips" in t for t in texts)
        status_now = str(bot.slack.message("C1", status["ts"])["blocks"])
        assert "Cancelled by <@U1>" in status_now and "Cancelled after 1 of 3 clips" in status_now
    finally:
        runner.gate.set()
        bot.stop()


def test_a_cancelled_draft_posts_the_variants_already_made(tmp_path, slack):
    # Two images per pipeline call: the first call's two variants are saved before the pause
    # in the second call's first step.
    runner = PauseAtCall(ModelRunner("tiny", device="cpu", max_batch=2), at=2)
    bot = start_bot(tmp_path, slack, lambda device: runner)
    try:
        bot.sender.command("/draft", "a paper lantern --n 4 --seed 3 --steps 2")
        root = bot.slack.wait_for(lambda: bot.root_messages() or None)[0]
        assert runner.started.wait(60)
        bot.sender.block_action("cancel_job", None, "U1", "C1", root["ts"])
        bot.slack.wait_for(lambda: jobs.get_job(bot.runtime.store, 1).cancel_requested or None)
        runner.gate.set()
        shown = bot.wait_for_variants("C1", root["ts"])[0]
        images = [b for b in shown["blocks"] if b["type"] == "image"]
        assert len(images) == 2, "the two variants finished before the cancel"
        texts = [m["text"] for m in bot.bot_replies("C1", root["ts"])]
        assert any("Cancelled after 2 of 4 images" in t for t in texts)
        assert "Cancelled after 2 of 4" in str(bot.slack.message("C1", root["ts"])["blocks"])
    finally:
        runner.gate.set()
        bot.stop()
