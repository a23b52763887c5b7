"""QC marks through Slack: Usable / Reject buttons, the reason modal, one mark per person."""

from __future__ import annotations

import json

import pytest

from tests.handlers.conftest import start_bot
from tests.handlers.review_helpers import click, current, note, start_draft, wait_note


def mark_rows(bot):
    return sorted(
        (r["asset_id"], r["user_id"], r["mark"], r["reason"])
        for r in bot.runtime.store.db["qc_marks"].rows
    )


def test_marks_toggle_change_and_stay_one_per_person_and_show_on_the_variant_line(bot):
    _, shown = start_draft(bot, "a red kite --n 2 --seed 1")
    buttons = [
        e["text"]["text"]
        for b in shown["blocks"]
        if b.get("block_id") == "variant_1_actions"
        for e in b["elements"]
        if e["type"] == "button"
    ]
    assert buttons[:4] == ["Vote", "Promote", "Usable", "Reject"]
    assert note(shown, 1) == "", "two different seeds: no automatic flag, no line"
    provenance = next(b for b in shown["blocks"] if b.get("block_id") == "provenance")
    assert "device-s per image on cpu" in provenance["elements"][0]["text"]
    ids = [a["id"] for a in bot.runtime.store.db["assets"].rows_where(order_by="job_id, variant")]

    click(bot, shown, "mark_usable", 1, "U1")
    wait_note(bot, shown, 1, "*Usable* — <@U1>")
    click(bot, shown, "mark_usable", 1, "U2")
    wait_note(bot, shown, 1, "*Usable* — <@U1>, <@U2>")
    assert mark_rows(bot) == [(ids[0], "U1", "usable", None), (ids[0], "U2", "usable", None)]

    before = len(bot.slack.views)
    click(bot, shown, "mark_reject", 1, "U2")  # U2 changes their mind: still one mark
    view = bot.slack.wait_for(lambda: bot.slack.views[before:] or None)[0]["view"]
    assert view["callback_id"] == "qc_reject_reason"
    select = next(b for b in view["blocks"] if b["type"] == "input")["element"]
    assert [o["text"]["text"] for o in select["options"]] == [
        "artifact",
        "off-brand colour",
        "anatomy",
        "text/logo",
        "composition",
        "other",
    ]
    text = wait_note(bot, shown, 1, "*Reject* — <@U2>")
    assert "*Usable* — <@U1>" in text and "<@U2>" not in text.split("·")[0]
    values = {
        "qc_reason": {
            "qc_reason": {"type": "static_select", "selected_option": {"value": "anatomy"}}
        }
    }
    metadata = json.dumps({"asset_id": ids[0], "channel_id": "C1"})
    bot.sender.view_submission("qc_reject_reason", values, "U2", private_metadata=metadata)
    wait_note(bot, shown, 1, "*Reject* — <@U2> (anatomy)")
    assert mark_rows(bot) == [(ids[0], "U1", "usable", None), (ids[0], "U2", "reject", "anatomy")]

    click(bot, shown, "mark_usable", 1, "U1")  # the same click again takes it back
    bot.slack.wait_for(lambda: "Usable" not in note(current(bot, shown), 1))
    assert note(current(bot, shown), 1) == ":x: *Reject* — <@U2> (anatomy)"
    click(bot, shown, "mark_reject", 2, "U1")
    wait_note(bot, shown, 2, "*Reject* — <@U1>")
    assert mark_rows(bot) == [(ids[0], "U2", "reject", "anatomy"), (ids[1], "U1", "reject", None)]


def test_votes_and_marks_share_the_variant_line(bot):
    _, shown = start_draft(bot, "a glass bird --n 2 --seed 4")
    click(bot, shown, "vote", 2, "U1")
    wait_note(bot, shown, 2, "1 vote")
    click(bot, shown, "mark_usable", 2, "U3")
    text = wait_note(bot, shown, 2, "*Usable* — <@U3>")
    assert text.startswith(":trophy: *1 vote* · leading — <@U1>")


@pytest.fixture
def strict_bot(tmp_path, slack, tiny_runner):
    """A bot whose flat threshold every tiny image falls under, so each variant is flagged."""
    running = start_bot(tmp_path, slack, lambda device: tiny_runner, qc_flat_variance=1e9)
    yield running
    running.stop()


def test_automatic_flags_show_on_the_first_post_and_stay_with_marks(strict_bot):
    bot = strict_bot
    _, shown = start_draft(bot, "a glass fish --n 2 --seed 7")
    assert note(shown, 1) == ":mag: QC: flat" and note(shown, 2) == ":mag: QC: flat"
    flags = list(bot.runtime.store.db["qc_flags"].rows)
    assert [(f["flag"], f["threshold"]) for f in flags] == [("flat", 1e9), ("flat", 1e9)]
    click(bot, shown, "mark_reject", 1, "U1")
    text = wait_note(bot, shown, 1, "*Reject* — <@U1>")
    assert text == ":x: *Reject* — <@U1>\n:mag: QC: flat"


def test_a_mark_on_a_final_is_kept_and_told_privately_and_the_final_stays_a_final(bot):
    root, shown = start_draft(bot, "a lemon tree --n 1 --seed 40")
    click(bot, shown, "promote", 1, "U3")

    def final():
        found = [
            m for m in bot.bot_replies("C1", root["ts"]) if "final_image" in str(m.get("blocks"))
        ]
        return found[0] if found else None

    posted = bot.slack.wait_for(final, timeout=60)
    click(bot, posted, "mark_usable", 1, "U2")
    told = bot.slack.wait_for(lambda: bot.slack.ephemerals or bot.slack.responses or None)
    assert "is now marked *usable* by you" in str(told)
    final_asset = next(a for a in bot.runtime.store.db["assets"].rows if a["tier"] == "final")
    assert [(m["asset_id"], m["mark"]) for m in bot.runtime.store.db["qc_marks"].rows] == [
        (final_asset["id"], "usable")
    ]
    assert "final_image" in str(bot.slack.message("C1", posted["ts"])["blocks"])
    kinds = [m["kind"] for m in bot.runtime.store.db["posted_messages"].rows]
    assert kinds.count("final") == 1 and kinds.count("variants") == 1
