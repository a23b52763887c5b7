"""Ack latency of /draft while the worker is busy: p50/p99 over N signed HTTP commands.

Slack needs an ack within 3 s; the goal is p99 < 100 ms. The worker is held busy on a job for the
whole run, so every command queues behind it — the case where an engine that blocked the listener
would show. Run: python bench/ack_latency.py [--commands 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.playground.slack_api import SlackImitation
from models.runner import ModelRunner
from tests.handlers.conftest import start_bot


class BusyRunner:
    """Holds the worker on its first job until released, as a long final render would."""

    def __init__(self, inner: ModelRunner, release: threading.Event) -> None:
        self.inner, self.release = inner, release

    def describe(self, request):
        return self.inner.describe(request)

    def generate(self, request, progress=None, cancelled=None, **kwargs):
        self.release.wait()
        return self.inner.generate(request, progress=progress, cancelled=cancelled, **kwargs)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commands", type=int, default=200)
    args = parser.parse_args()
    runner = ModelRunner("tiny", device="cpu")
    runner.warm()
    release = threading.Event()
    with tempfile.TemporaryDirectory() as home, SlackImitation(file_share_delay=0.0) as slack:
        bot = start_bot(Path(home), slack, lambda device: BusyRunner(runner, release))
        try:
            bot.sender.command("/draft", "keeps the worker busy --n 1")
            time.sleep(0.5)
            latencies = []
            for i in range(args.commands):
                sent = bot.sender.command("/draft", f"a red sneaker, take {i} --n 4 --ar 4:5")
                assert sent.status == 200, sent
                latencies.append(sent.elapsed * 1000)
            queued = bot.runtime.store.db["jobs"].count_where("status = 'queued'")
        finally:
            release.set()
            bot.stop()
    print(
        f"/draft ack latency with the worker busy, {len(latencies)} commands "
        f"({queued} queued behind the busy job at the end):"
    )
    print(
        f"  p50 {percentile(latencies, 50):.1f} ms   p99 {percentile(latencies, 99):.1f} ms   "
        f"max {max(latencies):.1f} ms   mean {statistics.mean(latencies):.1f} ms"
    )
    print(f"  goal p99 < 100 ms: {'met' if percentile(latencies, 99) < 100 else 'NOT met'}")


if __name__ == "__main__":
    main()
