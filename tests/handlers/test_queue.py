"""/dailies queue through Slack: positions in the engine's fair order, ETAs, cancel mine."""

from __future__ import annotations

import threading

from bot.jobs import rows as jobs
from tests.handlers.conftest import start_bot
from tests.handlers.library_helpers import draft_in
from tests.handlers.test_job_controls import GatedRunner


def test_queue_lists_positions_in_fair_order_with_etas_and_cancels_mine(
    tmp_path, slack, tiny_runner
):
    gate = threading.Event()
    gate.set()
    runner = GatedRunner(tiny_runner, gate)
    bot = start_bot(tmp_path, slack, lambda device: runner)
    try:
        assert (
            "Nothing is running or queued" in bot.sender.command("/dailies", "queue").json()["text"]
        )
        draft_in(bot, "a warm-up --n 1")  # one measured job, for the ETAs
        gate.clear()
        runner.started.clear()
        bot.sender.command("/draft", "alpha --n 1", user_id="U1")
        bot.slack.wait_for(lambda: runner.started.is_set())
        for user, prompt in (("U1", "bravo"), ("U1", "charlie"), ("U2", "delta")):
            bot.sender.command("/draft", f"{prompt} --n 1", user_id=user)
        store = bot.runtime.store
        bot.slack.wait_for(lambda: len(jobs.queue_order(store)) == 3)

        text = bot.sender.command("/dailies", "queue", user_id="U1").json()["text"]
        lines = text.splitlines()
        assert lines[0] == ":hourglass_flowing_sand: 1 running · 3 queued"
        assert lines[1].startswith(":art: *running* · Draft for <@U1> · done ")
        order = [jobs.get_job(store, i).params["prompt"] for i in jobs.queue_order(store)]
        assert order == ["delta", "bravo", "charlie"], "the engine's fair order"
        shown = [line.rsplit("“", 1)[1].rstrip("”") for line in lines[2:5]]
        assert shown == order
        assert lines[2].startswith("*1.* Draft for <@U2> · starts ")
        assert lines[3].startswith("*2.* Draft for <@U1> *(yours)* · starts ")
        assert "unknown" not in text, "measured from the warm-up"

        answer = bot.sender.command("/dailies", "queue cancel mine", user_id="U1").json()
        assert answer["text"] == ":no_entry_sign: Cancelled your 2 queued jobs."
        assert [jobs.get_job(store, i).params["prompt"] for i in jobs.queue_order(store)] == [
            "delta"
        ]
        after = bot.sender.command("/dailies", "queue", user_id="U1").json()["text"]
        assert "1 running · 1 queued" in after and "bravo" not in after
        nothing = bot.sender.command("/dailies", "queue cancel mine", user_id="U3").json()
        assert nothing["text"] == "You have no queued jobs to cancel."
        bad = bot.sender.command("/dailies", "queue flush", user_id="U3").json()["text"]
        assert "`/dailies queue flush` is not something I know" in bad
    finally:
        gate.set()
        bot.stop()
