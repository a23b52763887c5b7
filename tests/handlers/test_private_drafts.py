"""Private drafts through Slack: a DM to the bot drafts there, replies iterate, --private."""

from __future__ import annotations

from bot.jobs import rows as jobs


def test_a_dm_drafts_in_the_dm_and_a_reply_iterates(bot):
    bot.sender.user_message("D1", "U1", "a secret teapot --n 2 --seed 2")
    root = bot.slack.wait_for(lambda: (found := bot.root_messages("D1")) and found[0])
    assert "a secret teapot" in root["text"]
    bot.wait_for_variants("D1", root["ts"])
    assert bot.root_messages("C1") == [], "nothing in any channel"
    bot.sender.user_message("D1", "U1", "in the rain --n 1", thread_ts=root["ts"])
    v2 = bot.wait_for_variants("D1", root["ts"], count=2)[1]
    assert "Draft v2" in v2["text"]
    job = jobs.get_job(bot.runtime.store, 2)
    assert job.channel_id == "D1" and job.params["prompt"] == "a secret teapot, in the rain"

    bot.sender.user_message("D1", "U1", "--n 99")
    error = bot.slack.wait_for(
        lambda: next((m for m in bot.root_messages("D1") if "--n" in m["text"]), None)
    )
    assert error["text"].startswith(":warning:")


def test_draft_private_posts_the_results_in_the_persons_dm(bot):
    answer = bot.sender.command("/draft", "a quiet fox --private --n 1 --seed 4", user_id="U2")
    assert answer.acked_in_time and "Drafting privately" in answer.body
    root = bot.slack.wait_for(lambda: (found := bot.root_messages("D2")) and found[0])
    shown = bot.wait_for_variants("D2", root["ts"])[0]
    assert "a quiet fox" in shown["text"] or "a quiet fox" in str(shown["blocks"])
    assert jobs.get_job(bot.runtime.store, 1).params["prompt"] == "a quiet fox"
    assert bot.root_messages("C1") == []
