"""A room voting while drafts render, under Slack's chat.update limit (Tier 3: 50 a minute; the
imitation answers 429 past it, with a burst of 10), with the bot's rate budget on and off, side by
side: chat.update calls made, the busiest minute, 429s received, and seconds from the last vote
until the message shows the final tally. The bot runs its default edit interval (progress and
tally edits at most once a second per message); votes arrive over ``--spread`` seconds while
drafts render and wait in the queue.

Run: python bench/vote_burst.py [--votes 60] [--spread 20] [--step-s 0.5] [--edit-limit 50]
"""

from __future__ import annotations

import argparse
import os
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
from tests.handlers.review_helpers import click, current, note, start_draft


class SlowSteps:
    """The tiny model at ``step_s`` a step, so the drafts' progress edits overlap the votes."""

    def __init__(self, inner: ModelRunner) -> None:
        self.inner = inner
        self.step_s = 0.0

    def describe(self, request):
        return self.inner.describe(request)

    def generate(self, request, progress=None, cancelled=None, **kwargs):
        def slow(image, step, total):
            time.sleep(self.step_s)
            progress(image, step, total)

        return self.inner.generate(request, progress=slow, cancelled=cancelled, **kwargs)


def run(runner: ModelRunner, args: argparse.Namespace, budget_on: bool) -> dict[str, object]:
    rates = {"edit_rate_per_min": 50.0, "post_rate_per_s": 1.0}  # the bot's defaults
    changes = rates if budget_on else dict.fromkeys(rates, 0.0)
    slow = SlowSteps(runner)
    with (
        tempfile.TemporaryDirectory() as tmp,
        SlackImitation(file_share_delay=0.2, update_rate_limit_per_min=args.edit_limit) as slack,
    ):
        bot = start_bot(Path(tmp), slack, lambda device: slow, progress_interval_s=1.0, **changes)
        try:
            _, shown = start_draft(bot, "a brass lantern --n 2 --seed 4")
            slow.step_s = args.step_s
            for i in range(3):
                bot.sender.command("/draft", f"a long render {i} --n 2 --steps 8", user_id="U2")
            slack.wait_for(lambda: len(bot.root_messages()) == 4 or None)
            began = time.monotonic()
            threads = []
            for i in range(args.votes):
                vote = threading.Thread(target=click, args=(bot, shown, "vote", 1, f"U{100 + i}"))
                vote.start()
                threads.append(vote)
                time.sleep(args.spread / args.votes)  # a room, not a script: votes over time
            for vote in threads:
                vote.join()
            last_vote = time.monotonic()
            wanted = f"{args.votes} votes"
            slack.wait_for(lambda: wanted in note(current(bot, shown), 1) or None, timeout=300)
            final_after = time.monotonic() - last_vote
            edits = [o for o in slack.outcomes if o["method"] == "chat.update" and o["at"] >= began]
            times = [o["at"] for o in edits]
            busiest = max((sum(1 for t in times if s <= t < s + 60) for s in times), default=0)
            return {
                "chat.update calls": len(edits),
                "busiest minute": busiest,
                "429s": sum(1 for o in edits if o["status"] == 429),
                "final tally after s": round(final_after, 1),
            }
        finally:
            bot.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--votes", type=int, default=60)
    parser.add_argument("--spread", type=float, default=20.0, help="seconds the votes span")
    parser.add_argument("--step-s", type=float, default=0.5, help="seconds per render step")
    parser.add_argument("--edit-limit", type=float, default=50.0, help="Slack's, per minute")
    args = parser.parse_args()
    runner = ModelRunner("tiny", device="cpu")
    runner.warm()
    rows = {
        "budget off": run(runner, args, budget_on=False),
        "budget on": run(runner, args, budget_on=True),
    }
    print(
        f"{args.votes} votes over {args.spread:.0f} s on one message while drafts render; "
        f"Slack allows chat.update {args.edit_limit:.0f}/min"
    )
    keys = list(rows["budget on"])
    print(f"{'':12}" + "".join(f"{k:>22}" for k in keys))
    for name, row in rows.items():
        print(f"{name:12}" + "".join(f"{row[k]!s:>22}" for k in keys))


if __name__ == "__main__":
    main()
