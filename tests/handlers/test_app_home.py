"""App Home through Slack: published on app_home_opened, refreshed when the person's jobs
change, within Slack's 100 blocks; the queue's Cancel works from Home."""

from __future__ import annotations

import threading

from bot.jobs import rows as jobs
from tests.handlers.conftest import start_bot
from tests.handlers.library_helpers import draft_in
from tests.handlers.review_helpers import click
from tests.handlers.test_job_controls import GatedRunner


def home_text(bot, user: str = "U1") -> str:
    view = bot.slack.home(user)
    return str(view["blocks"]) if view else ""


def open_home(bot, user: str = "U1"):
    return bot.sender.event(
        {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"}
    )


def test_home_shows_queue_threads_and_finals_and_follows_the_persons_jobs(
    tmp_path, slack, tiny_runner
):
    gate = threading.Event()
    gate.set()
    runner = GatedRunner(tiny_runner, gate)
    bot = start_bot(tmp_path, slack, lambda device: runner)
    try:
        assert open_home(bot).acked_in_time
        first = bot.slack.wait_for(lambda: bot.slack.home("U1"))
        assert first["type"] == "home" and len(first["blocks"]) <= 100
        assert "Nothing of yours is running or queued" in str(first["blocks"])
        assert "No threads yet" in str(first["blocks"])

        _, shown = draft_in(bot, "a paper lantern --n 2 --seed 3")
        bot.slack.wait_for(lambda: "a paper lantern" in home_text(bot), timeout=20)
        click(bot, shown, "promote", 1, "U1")
        bot.slack.wait_for(lambda: ":star: FINAL" in home_text(bot), timeout=60)
        view = bot.slack.home("U1")
        final = next(b for b in view["blocks"] if b.get("block_id", "").startswith("home_final_"))
        asset = next(bot.runtime.store.db["assets"].rows_where("tier = 'final'"))
        assert final["accessory"]["slack_file"]["id"] == asset["slack_file_id"]
        assert "/archives/C1/" in final["text"]["text"]

        gate.clear()
        runner.started.clear()
        bot.sender.command("/draft", "a running one --n 1")
        bot.slack.wait_for(lambda: runner.started.is_set())
        bot.sender.command("/draft", "a queued one --n 1")
        bot.slack.wait_for(lambda: "position 1" in home_text(bot), timeout=20)
        view = bot.slack.home("U1")
        queued = next(b for b in view["blocks"] if "a queued one" in str(b))
        assert "position 1 · starts" in queued["text"]["text"]
        cancel = queued["accessory"]
        assert cancel["text"]["text"] == "Cancel"
        home = {"blocks": view["blocks"]}  # a click in the Home tab: no message behind it
        bot.sender.block_action(
            cancel["action_id"], cancel["value"], "U1", "D1", "0", message=home, ephemeral=True
        )
        bot.slack.wait_for(
            lambda: jobs.get_job(bot.runtime.store, int(cancel["value"])).status == "cancelled"
        )
        job_block = f"home_job_{cancel['value']}"
        bot.slack.wait_for(lambda: job_block not in home_text(bot), timeout=20)
        assert "a queued one" in home_text(bot), "still among the recent threads"
        assert home_text(bot, "U2") == "", "only people who opened Home get one"
    finally:
        gate.set()
        bot.stop()
