"""/dailies stats through Slack: figures in the ephemeral answer, the chart uploaded as a PNG."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from tests.handlers.review_helpers import click, start_draft, wait_note


def answer_text(sent) -> str:
    body = sent.json()
    return body["text"] + "\n" + str(body.get("blocks"))


def test_stats_answers_with_the_figures_and_posts_a_chart(bot):
    _, shown = start_draft(bot, "a red kite --n 4 --seed 1")
    click(bot, shown, "mark_usable", 2, "U2")
    wait_note(bot, shown, 2, "*Usable*")
    click(bot, shown, "mark_reject", 3, "U2")
    wait_note(bot, shown, 3, "*Reject*")
    rows = list(bot.runtime.store.db["assets"].rows)
    assert len(rows) == 4 and all(r["device_s"] > 0 and r["device_kind"] == "cpu" for r in rows)
    total = sum(r["device_s"] for r in rows)

    sent = bot.sender.command("/dailies", "stats by tier", user_id="U2")
    body = sent.json()
    assert body.get("response_type", "ephemeral") == "ephemeral"
    text = answer_text(sent)
    assert "*Useful yield 25%*" in text
    assert "4 generated · 1 usable · 1 rejected · waste-to-asset 3.0" in text
    assert f"{total:,.2f} device-s per usable asset" in text
    assert "*By tier*" in text and "*draft*: yield 25% (1/4)" in text
    assert "marked usable 1" in text and "The chart follows in this channel." in text

    def chart():
        found = [f for f in bot.slack.files.values() if f["name"] == "dailies-stats.png"]
        return found[0] if found and found[0].get("bytes") and found[0]["channels"] else None

    by_user = answer_text(bot.sender.command("/dailies", "stats <#C1|design> 30d by user"))
    assert "*By user*" in by_user and "• *<@U1>*: yield 25% (1/4)" in by_user
    assert "last 30 days" in by_user

    posted = bot.slack.wait_for(chart)
    assert "C1" in posted["channels"]
    image = Image.open(io.BytesIO(posted["bytes"]))
    assert image.format == "PNG" and image.size == (800, 650)
    assert np.asarray(image.convert("L"), float).var() > 100, "a chart is drawn, not a blank"


def test_bad_stats_words_get_a_message_and_no_chart(bot):
    text = answer_text(bot.sender.command("/dailies", "stats by colour"))
    assert "`by colour` is not a split" in text and "/dailies stats [#channel | all]" in text
    text = answer_text(bot.sender.command("/dailies", "stats all 30d"))
    assert "0 generated" in text and "The chart follows" not in text
    assert not [f for f in bot.slack.files.values() if f["name"] == "dailies-stats.png"]
