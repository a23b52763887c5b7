"""Seconds from a Cancel click to "Cancelled" on the root when the running step hangs.

Side by side: the step-boundary check alone (the watchdog off: Cancel waits for the step to
return) and with the hung-step watchdog (bot/jobs/watchdog.py). The step hangs ``--hang``
seconds (the issue measured 43 s). Run: python bench/hung_step.py [--hang 40]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.playground.slack_api import SlackImitation
from models.request import GenerationCancelled
from models.runner import ModelRunner
from tests.handlers.conftest import start_bot


class HangingStep:
    """One step that takes ``hang`` seconds, checking for cancel only when it ends."""

    def __init__(self, inner: ModelRunner, hang: float) -> None:
        self.inner, self.hang = inner, hang
        self.hung = threading.Event()

    def describe(self, request):
        return self.inner.describe(request)

    def generate(self, request, progress=None, cancelled=None, **kwargs):
        self.hung.set()
        time.sleep(self.hang)  # the step that hangs
        if cancelled and cancelled():
            raise GenerationCancelled()
        return self.inner.generate(request, progress=progress, cancelled=cancelled, **kwargs)


def cancel_latency(runner: ModelRunner, hang: float, watchdog: bool) -> float:
    with tempfile.TemporaryDirectory() as home, SlackImitation() as slack:
        hanging = HangingStep(runner, hang)
        bot = start_bot(Path(home), slack, lambda device: hanging)
        if not watchdog:
            bot.runtime.engine.watch.grace = math.inf
        try:
            bot.sender.command("/draft", "a lantern --n 1")
            root = slack.wait_for(lambda: bot.root_messages() or None)[0]
            assert hanging.hung.wait(60)
            clicked = time.monotonic()
            bot.sender.block_action("cancel_job", None, "U1", "C1", root["ts"])
            slack.wait_for(
                lambda: "Cancelled" in str(slack.message("C1", root["ts"])["blocks"]),
                timeout=hang + 30,
                interval=0.01,
            )
            return time.monotonic() - clicked
        finally:
            bot.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hang", type=float, default=40.0)
    args = parser.parse_args()
    runner = ModelRunner("tiny", device="cpu")
    runner.warm()
    boundary = cancel_latency(runner, args.hang, watchdog=False)
    watched = cancel_latency(runner, args.hang, watchdog=True)
    print(f"step hangs {args.hang:g} s · Cancel click → 'Cancelled' on the root")
    print(f"  step boundary only : {boundary:6.2f} s")
    print(f"  hung-step watchdog : {watched:6.2f} s")


if __name__ == "__main__":
    main()
