"""Brand palettes end to end: set (and refuse) a palette, palette lines, Snap to palette."""

from __future__ import annotations

import io

from PIL import Image

from tests.handlers.brand_helpers import assets_of_job, block, choose, draft, menu_entries


def test_palette_commands_and_bad_hex(bot):
    body = bot.sender.command("/dailies", "palette").json()
    assert "no brand palette" in body["text"]
    body = bot.sender.command("/dailies", "palette #0055FF #FFFFFG").json()
    assert "`#FFFFFG` is not a hex colour" in body["text"]
    body = bot.sender.command("/dailies", "palette #0055FF").json()
    assert "2–12 different colours; you gave 1" in body["text"]
    assert bot.runtime.store.db["palettes"].count == 0
    body = bot.sender.command("/dailies", "palette #0055ff #FFFFFF #111").json()
    assert "`#0055FF` `#FFFFFF` `#111111`" in body["text"]
    body = bot.sender.command("/dailies", "palette").json()
    assert "`#0055FF` `#FFFFFF` `#111111`" in body["text"] and "above 10" in body["text"]
    body = bot.sender.command("/dailies", "palette clear").json()
    assert "Removed the brand palette" in body["text"]
    assert bot.runtime.store.db["palettes"].count == 0


def test_results_carry_a_palette_line_and_snap_makes_a_closer_child(bot):
    plain = draft(bot, "a cobalt bottle --n 1", 0)
    asset = assets_of_job(bot, 1)[0]
    assert block(plain, "palette") is None, "no palette, no palette line"
    assert "snap_palette" not in menu_entries(plain, asset["id"])

    bot.sender.command("/dailies", "palette #0055FF #FFFFFF #111111")
    results = draft(bot, "a cobalt bottle --n 2 --seed 3", 1)
    line = block(results, "palette")["elements"][0]["text"]
    assert "*Palette* `#0055FF` `#FFFFFF` `#111111`" in line
    assert "#1: `#" in line and "#2: `#" in line and "ΔE" in line
    # The tiny family draws noise, far from any brand: the flag must show.
    assert "off-palette" in line

    source = assets_of_job(bot, 2)[0]
    assert "snap_palette" in menu_entries(results, source["id"])
    choose(bot, results, source["id"], "snap_palette")
    snapped_msg = bot.wait_for_variants("C1", results["thread_ts"], count=2)[1]
    child = assets_of_job(bot, 3)[0]
    assert child["parent_id"] == source["id"] and child["seed"] == source["seed"]
    assert "Snapped to palette" in snapped_msg["text"]
    snap_line = block(snapped_msg, "palette")["elements"][0]["text"]
    assert "Snapped from variant #1: mean ΔE" in snap_line
    figures = snap_line.split("mean ΔE ")[1].split(" · ")[0]
    before, after = (float(x) for x in figures.split(" → "))
    assert after < before
    assert "Re-roll" not in str(snapped_msg["blocks"])
    file_id = next(b for b in snapped_msg["blocks"] if b["type"] == "image")["slack_file"]["id"]
    with Image.open(io.BytesIO(bot.slack.files[file_id]["bytes"])) as png:
        assert png.size == (source["width"], source["height"])


def test_once_approvers_are_set_the_palette_is_theirs(bot):
    bot.sender.command("/dailies", "palette #0055FF #FFFFFF")
    bot.sender.command("/dailies", "approvers <@U1>")
    for change in ("palette #000000 #111111", "palette clear"):
        body = bot.sender.command("/dailies", change, user_id="U2").json()
        assert "Only this channel's approvers (<@U1>)" in body["text"], change
    shown = bot.sender.command("/dailies", "palette", user_id="U2").json()["text"]
    assert "#0055FF" in shown.upper()
    body = bot.sender.command("/dailies", "palette clear", user_id="U1").json()
    assert "Removed the brand palette" in body["text"]
