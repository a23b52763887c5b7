"""Votes through Slack: the Vote button, reactions, duplicates, and many clicks at once."""

from __future__ import annotations

import itertools
import json
import time

from tests.handlers.review_helpers import (
    click,
    current,
    note,
    start_draft,
    votes_at_once,
    wait_note,
)


def vote_rows(bot):
    return sorted(
        (r["asset_id"], r["user_id"], r["source"]) for r in bot.runtime.store.db["votes"].rows
    )


def reaction_removed(bot, ts, name, user, **send):
    event = {
        "type": "reaction_removed",
        "user": user,
        "reaction": name,
        "item": {"type": "message", "channel": "C1", "ts": ts},
        "event_ts": f"{time.time():.6f}",
    }
    return bot.sender.event(event, **send)


def test_two_people_vote_on_one_variant_and_on_different_ones_and_toggle(bot):
    _, shown = start_draft(bot, "a red kite --n 3 --seed 1")
    buttons = [
        e["text"]["text"]
        for b in shown["blocks"]
        if b.get("block_id") == "variant_1_actions"
        for e in b["elements"]
        if e["type"] == "button"
    ]
    assert buttons[:2] == ["Vote", "Promote"]

    click(bot, shown, "vote", 1, "U1")
    click(bot, shown, "vote", 1, "U2")
    text = wait_note(bot, shown, 1, "2 votes")
    assert "leading" in text and "<@U1>" in text and "<@U2>" in text

    click(bot, shown, "vote", 2, "U2")
    wait_note(bot, shown, 2, "1 vote")
    assert "leading" not in note(current(bot, shown), 2), "1 vote does not lead 2"

    click(bot, shown, "vote", 1, "U1")  # a second click takes the vote back
    bot.slack.wait_for(lambda: "1 vote" in note(current(bot, shown), 1))
    message = current(bot, shown)
    assert "<@U1>" not in note(message, 1) and "<@U2>" in note(message, 1)
    assert "leading" in note(message, 1) and "leading" in note(message, 2), "a tie leads together"
    assert note(message, 3) == ""
    assets = [
        a["id"] for a in bot.runtime.store.db["assets"].rows_where(order_by="job_id, variant")
    ]
    assert vote_rows(bot) == [(assets[0], "U2", "button"), (assets[1], "U2", "button")]


def test_reactions_vote_once_per_person_and_unreacting_removes_only_a_reaction_vote(bot):
    _, grid = start_draft(bot, "a glass bird --n 3 --seed 3")
    sent = bot.sender.reaction_added("C1", grid["ts"], "two", "U3")
    assert "*1 vote* · leading — <@U3>" in wait_note(bot, grid, 2, "<@U3>")
    bot.sender.event(json.loads(sent.request_body)["event"], event_id=sent.event_id)
    bot.sender.reaction_added("C1", grid["ts"], "+1", "U5")  # :+1: on a grid names no variant

    click(bot, grid, "vote", 2, "U4")
    wait_note(bot, grid, 2, "2 votes")
    bot.sender.reaction_added("C1", grid["ts"], "two", "U4")  # already voted by button
    reaction_removed(bot, grid["ts"], "two", "U4")  # the button vote stays
    reaction_removed(bot, grid["ts"], "two", "U3")  # the reaction vote goes
    bot.slack.wait_for(lambda: note(current(bot, grid), 2).endswith("1 vote* · leading — <@U4>"))
    time.sleep(0.5)
    assert note(current(bot, grid), 2) == ":trophy: *1 vote* · leading — <@U4>"
    assert [(r[1], r[2]) for r in vote_rows(bot)] == [("U4", "button")]

    _, single = start_draft(bot, "a glass fish --n 1 --seed 3")
    bot.sender.reaction_added("C1", single["ts"], "+1::skin-tone-3", "U6")
    wait_note(bot, single, 1, "1 vote* · leading — <@U6>")
    reaction_removed(bot, single["ts"], "+1::skin-tone-3", "U6")
    bot.slack.wait_for(lambda: note(current(bot, single), 1) == "")
    assert [(r[1], r[2]) for r in vote_rows(bot)] == [("U4", "button")]


def test_a_duplicate_delivery_of_a_click_counts_once(bot):
    _, shown = start_draft(bot, "a paper boat --n 2 --seed 9")
    sent = click(bot, shown, "vote", 1, "U1")
    again = bot.sender.post(sent.request_body, "application/x-www-form-urlencoded")
    assert again.status == 200
    wait_note(bot, shown, 1, "1 vote")
    time.sleep(0.6)
    assert "1 vote" in note(current(bot, shown), 1)
    assert len(vote_rows(bot)) == 1


def test_twenty_concurrent_votes_all_count_and_edits_are_throttled(bot):
    _, shown = start_draft(bot, "a brass lantern --n 2 --seed 4")
    answers = votes_at_once(bot, shown, 1, [f"U{100 + i}" for i in range(20)])
    assert all(a.acked_in_time for a in answers)
    text = wait_note(bot, shown, 1, "20 votes")
    assert "leading" in text and "and 0 more" not in text
    assert len(vote_rows(bot)) == 20
    time.sleep(0.6)
    history = current(bot, shown)["history"]
    edits = [h["replaced_at"] for h in history]
    assert len(edits) < 20, "edits are coalesced"
    interval = bot.runtime.settings.progress_interval_s
    assert all(b - a >= interval * 0.9 for a, b in itertools.pairwise(edits))
