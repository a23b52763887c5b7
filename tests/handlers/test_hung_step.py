"""Cancel reaches a step that hangs: the person sees "Cancelled" within a second or two, the
next job in the queue runs and is delivered, and the stuck step's late images are never posted
— through the real app and the Slack imitation."""

from __future__ import annotations

import threading
import time

from bot.jobs import rows as jobs
from bot.store.assets import job_assets
from tests.handlers.conftest import start_bot


class HangsOnPrompt:
    """The tiny model, except that a prompt with "stuck" in it hangs in its first step until
    the test releases it (checking nothing meanwhile), then renders its images anyway."""

    def __init__(self, inner):
        self.inner = inner
        self.hung, self.release = threading.Event(), threading.Event()
        self.thread: threading.Thread | None = None

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def generate(self, request, progress=None, cancelled=None, on_image=None, **kwargs):
        if "stuck" in request.prompt:
            self.thread = threading.current_thread()
            if progress:
                progress(0, 1, 2)
            self.hung.set()
            self.release.wait(60)  # the step that hangs
            return self.inner.generate(request, on_image=on_image)  # its late images
        return self.inner.generate(request, progress, cancelled, on_image=on_image, **kwargs)


def status_of(bot, ts):
    return str(bot.slack.message("C1", ts)["blocks"])


def test_cancel_reaches_a_hung_step_and_the_queue_moves_on(tmp_path, slack, tiny_runner):
    runner = HangsOnPrompt(tiny_runner)
    bot = start_bot(tmp_path, slack, lambda device: runner)
    try:
        bot.sender.command("/draft", "a stuck lantern --n 2 --seed 4", user_id="U1")
        stuck = bot.slack.wait_for(lambda: bot.root_messages() or None)[0]
        assert runner.hung.wait(30)
        bot.sender.command("/draft", "a kite after it --n 1", user_id="U2")
        after = bot.slack.wait_for(
            lambda: next((m for m in bot.root_messages() if "a kite" in str(m["blocks"])), None)
        )

        clicked = time.monotonic()
        bot.sender.block_action("cancel_job", None, "U1", "C1", stuck["ts"])
        # The step hangs for as long as the test likes (60 s); the cancel is seen within 5.
        bot.slack.wait_for(lambda: "Cancelled by <@U1>" in status_of(bot, stuck["ts"]), 5)
        print(f"Cancel click to 'Cancelled' on a hung step: {time.monotonic() - clicked:.2f} s")
        assert jobs.get_job(bot.runtime.store, 1).status == jobs.CANCELLED
        assert "Cancel" not in str(
            [b for b in bot.slack.message("C1", stuck["ts"])["blocks"] if b["type"] == "actions"]
        )

        shown = bot.wait_for_variants("C1", after["ts"])[0]
        assert next(b["title"]["text"] for b in shown["blocks"] if b["type"] == "image").startswith(
            "#1 · seed"
        )
        bot.slack.wait_for(lambda: "Done" in status_of(bot, after["ts"]))

        runner.release.set()  # the stuck step comes back with its images, late
        runner.thread.join(30)
        assert not runner.thread.is_alive()
        assert bot.runtime.outbox.drain(10)
        assert job_assets(bot.runtime.store, 1) == [], "late images are not saved"
        assert bot.bot_replies("C1", stuck["ts"]) == [], "nor posted"
        assert "Cancelled by <@U1>" in status_of(bot, stuck["ts"])
        assert jobs.get_job(bot.runtime.store, 1).status == jobs.CANCELLED
    finally:
        runner.release.set()
        bot.stop()
