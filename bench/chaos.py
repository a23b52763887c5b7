"""Delivery under Slack's bad moments: 50 /drafts from 10 people at once, Slack-like post limits
(1 chat.postMessage per second per channel, a short burst) and 5 % of delivery calls failing
with HTTP 500 (seeded). Prints acks p50/p99 (goal p99 < 1 s), jobs lost (goal 0), duplicate
posts (goal 0), and seconds from the last image made to the last results posted.

Slack's chat.update limit (Tier 3, 50 a minute) is on too (``--edit-limit``); the run prints how
many calls Slack answered 429, per method, and the busiest minute of edits. ``--no-budget`` turns
the bot's own rate budget off (bot/slack/rate_budget.py) to compare: before it, the bot learnt
the limits from 429s.

Run: python bench/chaos.py [--commands 50] [--users 10] [--fail-rate 0.05] [--seed 7]
     [--edit-limit 50] [--no-budget]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.jobs import rows as jobs
from bot.playground.slack_api import SlackImitation
from models.runner import ModelRunner
from tests.handlers.conftest import start_bot

DELIVERY_METHODS = [
    "chat.postMessage",
    "chat.update",
    "files.getUploadURLExternal",
    "files.completeUploadExternal",
    "files.info",
    "conversations.replies",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commands", type=int, default=50)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--fail-rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--deadline", type=float, default=600.0)
    parser.add_argument("--edit-limit", type=float, default=50.0, help="chat.update per minute")
    parser.add_argument("--no-budget", action="store_true", help="the bot's rate budget off")
    args = parser.parse_args()
    slack_like = {"edit_rate_per_min": 50.0, "post_rate_per_s": 1.0, "publish_rate_per_min": 100.0}
    budget = dict.fromkeys(slack_like, 0.0) if args.no_budget else slack_like

    runner = ModelRunner("tiny", device="cpu")
    runner.warm()
    with (
        tempfile.TemporaryDirectory() as tmp,
        SlackImitation(
            file_share_delay=0.2,
            post_rate_limit_per_sec=1.0,
            update_rate_limit_per_min=args.edit_limit or None,
        ) as slack,
    ):
        bot = start_bot(
            Path(tmp),
            slack,
            lambda device: runner,
            delivery_retry_s=1.0,
            rate_limit_retries=10,
            **budget,
        )
        try:
            slack.fail_randomly(DELIVERY_METHODS, args.fail_rate, args.seed)
            began = time.monotonic()
            with ThreadPoolExecutor(args.commands) as pool:
                sent = list(
                    pool.map(
                        lambda i: bot.sender.command(
                            "/draft", f"chaos {i} --n 2", user_id=f"U{i % args.users}"
                        ),
                        range(args.commands),
                    )
                )
            store = bot.runtime.store
            deadline = time.monotonic() + args.deadline
            while time.monotonic() < deadline:
                pending = store.db["jobs"].count_where("reported_at IS NULL")
                if pending == 0:
                    break
                time.sleep(0.5)
            elapsed = time.monotonic() - began
            edits = bot.runtime.edits
            while edits is not None and edits.pending() and time.monotonic() < deadline:
                time.sleep(0.5)  # status edits the budget deferred still land
            all_jobs = [jobs.Job.from_row(r) for r in store.db["jobs"].rows]
            lost = [j.id for j in all_jobs if j.reported_at is None]
            failed = [j.id for j in all_jobs if j.status == jobs.FAILED]
            shown: dict[int, int] = {}
            for message in slack.messages("C1"):
                meta = message.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if payload.get("step") == "variants":
                    shown[payload["job_id"]] = shown.get(payload["job_id"], 0) + 1
            duplicates = sum(n - 1 for n in shown.values() if n > 1)
            shared = [f for f in slack.files.values() if f["channels"]]
            last_image = max(
                (a["created_at"] for a in store.db["assets"].rows), default=time.time()
            )
            last_post = max(
                (r["updated_at"] for r in store.db["slack_effects"].rows), default=last_image
            )
            acks = sorted(s.elapsed for s in sent)
            not_ok = [s.status for s in sent if not s.acked_in_time]
            p99 = acks[min(len(acks) - 1, int(len(acks) * 0.99))]
            faults = slack._fault_state().get("random_failures", 0)
            print(f"commands {args.commands} from {args.users} users, {faults} injected 500s")
            print(
                f"acks p50 {statistics.median(acks) * 1000:.0f} ms · p99 {p99 * 1000:.0f} ms "
                f"· missed {len(not_ok)}"
            )
            print(
                f"jobs {len(all_jobs)} · lost {len(lost)} · failed {len(failed)} · "
                f"variants messages {sum(shown.values())} · duplicate posts {duplicates} · "
                f"files shared {len(shared)} (expected {2 * len(all_jobs)})"
            )
            print(
                f"last image → last post {max(0.0, last_post - last_image):.1f} s · "
                f"all delivered in {elapsed:.1f} s"
            )
            print_rate_limits(slack.outcomes, began, "off" if args.no_budget else "on")
        finally:
            bot.stop()


def print_rate_limits(outcomes: list[dict], began: float, budget: str) -> None:
    """429s Slack answered, per method, and the busiest minute of chat.update calls."""
    refused: dict[str, int] = {}
    for outcome in outcomes:
        if outcome["status"] == 429:
            refused[outcome["method"]] = refused.get(outcome["method"], 0) + 1
    edits = sorted(o["at"] for o in outcomes if o["method"] == "chat.update")
    busiest = max((sum(1 for t in edits if s <= t < s + 60) for s in edits), default=0)
    said = " · ".join(f"{m} {n}" for m, n in sorted(refused.items())) or "none"
    print(f"rate budget {budget}: 429s from Slack: {said}")
    print(
        f"chat.update calls {len(edits)} · busiest minute {busiest} · "
        f"last edit {max(edits, default=began) - began:.1f} s after the first command"
    )


if __name__ == "__main__":
    main()
