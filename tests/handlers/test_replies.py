"""Replies in a dailies thread make the next iteration; everything else in threads is ignored."""

from __future__ import annotations

import json
import time

from bot.jobs import rows as jobs
from tests.handlers.review_helpers import click, start_draft, wait_note


def images(message):
    return [b for b in message["blocks"] if b["type"] == "image"]


def assets_of(bot, job_id):
    return list(
        bot.runtime.store.db["assets"].rows_where("job_id = ?", [job_id], order_by="variant")
    )


def test_a_reply_iterates_from_the_leader_with_parent_links_and_shows_v2(bot):
    root, v1 = start_draft(bot, "a quiet harbour --n 2 --seed 10 --no people")
    click(bot, v1, "vote", 2, "U2")
    wait_note(bot, v1, 2, "1 vote")

    sent, _ = bot.sender.user_message("C1", "U2", "make it night --n 3", thread_ts=root["ts"])
    assert sent.status == 200
    v2 = bot.wait_for_variants("C1", root["ts"], count=2)[1]
    assert "*Draft v2 · 3 variants*" in v2["blocks"][0]["text"]["text"]
    assert "a quiet harbour, make it night" in v2["blocks"][0]["text"]["text"]
    status = [m for m in bot.bot_replies("C1", root["ts"]) if "Draft v2* for <@U2>" in str(m)]
    assert status, "the new iteration has its own status message in the thread"
    assert "*Draft v1* for <@U1>" in str(bot.slack.message("C1", root["ts"])["blocks"])

    picked = assets_of(bot, 1)[1]
    job = jobs.get_job(bot.runtime.store, 2)
    assert job.params["iteration"] == 2 and job.params["init_asset_id"] == picked["id"]
    assert job.params["negative_prompt"] == "people", "settings carry over"
    assert job.user_id == "U2" and job.parent_job_id == 1 and job.thread_ts == root["ts"]
    made = assets_of(bot, 2)
    assert len(made) == 3 and {a["parent_id"] for a in made} == {picked["id"]}
    assert {a["strength"] for a in made} == {bot.runtime.settings.iterate_strength}
    assert all(a["prompt"] == "a quiet harbour, make it night" for a in made)
    assert len(bot.root_messages()) == 1


def test_hash_names_a_variant_and_flags_work_in_replies(bot):
    root, v1 = start_draft(bot, "a desert road --n 3 --seed 20")
    click(bot, v1, "vote", 1, "U1")  # the leader, but the reply names #3
    wait_note(bot, v1, 1, "1 vote")
    bot.sender.user_message("C1", "U1", "#3 warmer light --ar 16:9 --seed 5", thread_ts=root["ts"])
    v2 = bot.wait_for_variants("C1", root["ts"], count=2)[1]
    assert [b["title"]["text"] for b in images(v2)] == [
        "#1 · seed 5 · a4",
        "#2 · seed 6 · a5",
        "#3 · seed 7 · a6",
    ]
    job = jobs.get_job(bot.runtime.store, 2)
    assert job.params["init_asset_id"] == assets_of(bot, 1)[2]["id"]
    assert job.params["prompt"] == "a desert road, warmer light"
    made = assets_of(bot, 2)
    assert made[0]["width"] > made[0]["height"], "16:9 is landscape"

    bot.sender.user_message("C1", "U1", "v1#2 in the rain --n 1", thread_ts=root["ts"])
    v3 = bot.wait_for_variants("C1", root["ts"], count=3)[2]
    assert "*Draft v3 · 1 variant*" in v3["blocks"][0]["text"]["text"]
    job = jobs.get_job(bot.runtime.store, 3)
    assert job.params["init_asset_id"] == assets_of(bot, 1)[1]["id"]
    assert job.params["prompt"] == "a desert road, in the rain"

    bot.sender.user_message("C1", "U7", "#9 bluer", thread_ts=root["ts"])
    warning = bot.slack.wait_for(lambda: bot.slack.ephemerals or None)[0]
    assert warning["user"] == "U7" and warning["thread_ts"] == root["ts"]
    assert "There is no #9 in the latest variants: it has only #1." in warning["text"]
    assert bot.runtime.store.db["jobs"].count == 3


def test_foreign_threads_bots_edits_and_redeliveries_are_ignored(bot):
    root, _ = start_draft(bot, "a copper kettle --n 1 --seed 2")
    human = bot.slack.post_user_message("C1", "U1", "lunch?")
    bot.sender.user_message("C1", "U2", "make it night", thread_ts=human["ts"])

    other_bot = bot.slack.post_user_message("C1", "U9", "make it night", thread_ts=root["ts"])
    event = bot.sender.message_event("C1", other_bot)
    event["bot_id"] = "B999"
    bot.sender.event(event)

    edited = bot.slack.post_user_message("C1", "U2", "make it blue", thread_ts=root["ts"])
    bot.sender.event(
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": "C1",
            "hidden": True,
            "ts": f"{time.time():.6f}",
            "message": {**edited, "text": "make it red", "edited": {"user": "U2"}},
            "previous_message": edited,
            "event_ts": f"{time.time():.6f}",
        }
    )
    bot.sender.user_message("C1", "U2", "edit #1 a red scarf", thread_ts=root["ts"])
    told = bot.slack.wait_for(lambda: bot.slack.ephemerals or None)[0]
    assert "Attach the mask PNG" in told["text"], "an edit command is not an iteration"
    time.sleep(0.5)
    assert bot.runtime.store.db["jobs"].count == 1
    assert bot.slack.thread("C1", human["ts"])[1:] == [], "the bot says nothing in others' threads"

    sent, _ = bot.sender.user_message("C1", "U2", "make it night --n 1", thread_ts=root["ts"])
    bot.sender.event(json.loads(sent.request_body)["event"], event_id=sent.event_id)
    bot.wait_for_variants("C1", root["ts"], count=2)
    time.sleep(0.3)
    assert bot.runtime.store.db["jobs"].count == 2, "a redelivered reply iterates once"
