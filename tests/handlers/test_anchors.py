"""Style anchors end to end: lock from a variant, scope, overrides, commands, lineage."""

from __future__ import annotations

import pytest

from bot.brand import anchors
from models.request import DEFAULT_ANCHOR_SCALE
from tests.handlers.brand_helpers import (
    SpyRunner,
    assets_of_job,
    block,
    choose,
    draft,
    menu_entries,
)
from tests.handlers.conftest import start_bot


@pytest.fixture
def spy_bot(tmp_path, slack, tiny_runner):
    spy = SpyRunner(tiny_runner)
    bot = start_bot(tmp_path, slack, lambda device: spy)
    bot.spy = spy
    yield bot
    bot.stop()


def lock(bot, results, asset_id, user="U1"):
    def confirmations():
        return [e for e in bot.slack.ephemerals if "Style locked" in e["text"]]

    before = len(confirmations())
    choose(bot, results, asset_id, "lock_style", user)
    return bot.slack.wait_for(lambda: confirmations()[before:] and confirmations()[before])


def test_locked_style_is_followed_in_its_thread_then_channel_wide(spy_bot):
    bot = spy_bot
    first = draft(bot, "a red sneaker on marble --n 1 --seed 5", 0)
    source = assets_of_job(bot, 1)[0]
    assert "lock_style" in menu_entries(first, source["id"])
    assert "unlock_style" not in menu_entries(first, source["id"]), "nothing to unlock yet"
    assert block(first, "style_anchor") is None

    confirmation = lock(bot, first, source["id"])
    assert "`red-sneaker-1`" in confirmation["text"] and "this thread" in confirmation["text"]
    note = bot.slack.wait_for(
        lambda: next(
            (m for m in bot.bot_replies("C1", first["thread_ts"]) if "locked" in m["text"]), None
        )
    )
    assert "<@U1> locked this thread's style" in note["text"]

    # A re-roll in the same thread follows the anchor: the pipeline gets the anchor image.
    bot.sender.block_action("reroll", None, "U1", "C1", first["ts"])
    rerolled = bot.wait_for_variants("C1", first["thread_ts"], count=2)[1]
    request = bot.spy.requests[-1]
    assert request.anchor_image is not None and request.anchor_scale == DEFAULT_ANCHOR_SCALE
    assert bot.spy.results[-1].anchor_scale == DEFAULT_ANCHOR_SCALE
    anchor_row = anchors.by_name(bot.runtime.store, "T1", "red-sneaker-1")
    made = assets_of_job(bot, 2)[0]
    assert (made["anchor_id"], made["anchor_scale"]) == (anchor_row["id"], DEFAULT_ANCHOR_SCALE)
    shown = block(rerolled, "style_anchor")
    assert shown is not None, "results show the anchor they followed"
    assert shown["elements"][0]["slack_file"] == {"id": source["slack_file_id"]}
    assert "`red-sneaker-1` · scale 0.6" in shown["elements"][1]["text"]
    assert "unlock_style" in menu_entries(rerolled, made["id"])

    # Thread scope: a new draft in the channel (a new thread) does not follow it.
    other = draft(bot, "a blue teapot --n 1", 1)
    assert bot.spy.requests[-1].anchor_image is None
    assert block(other, "style_anchor") is None
    assert assets_of_job(bot, 3)[0]["anchor_id"] is None

    # The confirmation's button makes it the channel's anchor.
    bot.sender.block_action(
        "anchor_channel",
        str(anchor_row["id"]),
        "U1",
        "C1",
        confirmation["message_ts"],
        ephemeral=True,
    )
    bot.slack.wait_for(
        lambda: any("now follows style anchor" in e["text"] for e in bot.slack.ephemerals)
    )
    draft(bot, "a green lamp --n 1", 2)
    assert bot.spy.requests[-1].anchor_image is not None
    assert assets_of_job(bot, 4)[0]["anchor_id"] == anchor_row["id"]

    # Another channel is unaffected.
    draft(bot, "a yellow kite --n 1", 0, channel="C2")
    assert bot.spy.requests[-1].anchor_image is None


def test_overrides_commands_and_clear(spy_bot):
    bot = spy_bot
    first = draft(bot, "studio portrait of a cat --n 1 --seed 9", 0)
    source = assets_of_job(bot, 1)[0]
    lock(bot, first, source["id"])

    body = bot.sender.command("/dailies", "anchor name hero-look").json()
    assert "Renamed anchor `studio-portrait-1` to `hero-look`" in body["text"]
    body = bot.sender.command("/dailies", "anchor channel").json()
    assert "now follows style anchor `hero-look`" in body["text"]
    body = bot.sender.command("/dailies", "anchor scale 1.5").json()
    assert "between 0" in body["text"] and "got 1.5" in body["text"]
    body = bot.sender.command("/dailies", "anchor scale 0.4").json()
    assert "`hero-look` now conditions new images at scale 0.4" in body["text"]
    listed = bot.sender.command("/dailies", "anchor list").json()["text"]
    assert "`hero-look` · scale 0.4" in listed and "this channel's anchor" in listed

    dog = draft(bot, "a dog --n 1", 1)
    assert bot.spy.requests[-1].anchor_scale == 0.4
    assert assets_of_job(bot, 2)[0]["anchor_scale"] == 0.4
    assert "`dog-1`" in lock(bot, dog, assets_of_job(bot, 2)[0]["id"])["text"]

    draft(bot, "a dog --n 1 --anchor none", 2)
    assert bot.spy.requests[-1].anchor_image is None
    assert assets_of_job(bot, 3)[0]["anchor_id"] is None

    body = bot.sender.command("/draft", "a dog --anchor nope").json()
    assert "no anchor called `nope`" in body["text"] and "`hero-look`" in body["text"]
    assert bot.runtime.store.db["jobs"].count == 3

    body = bot.sender.command("/dailies", "anchor clear").json()
    assert "Cleared the channel's anchor `hero-look` and 1 thread anchor:" in body["text"]
    draft(bot, "a dog --n 1", 3)
    assert bot.spy.requests[-1].anchor_image is None

    # An anchor by name still works for one command after the channel stopped following it.
    results = draft(bot, "a dog --n 1 --anchor hero-look", 4)
    assert bot.spy.requests[-1].anchor_image is not None
    assert "chosen for this draft" in str(block(results, "style_anchor"))

    body = bot.sender.command("/dailies", "anchor use nothing-here").json()
    assert "no anchor called `nothing-here`" in body["text"]
    body = bot.sender.command("/dailies", "anchor use hero-look").json()
    assert "now follows style anchor `hero-look`" in body["text"]


def test_unlock_frees_a_thread_from_the_channel_anchor(spy_bot):
    bot = spy_bot
    first = draft(bot, "a vase --n 1", 0)
    lock(bot, first, assets_of_job(bot, 1)[0]["id"])
    bot.sender.command("/dailies", "anchor channel")
    second = draft(bot, "a chair --n 1", 1)
    followed = assets_of_job(bot, 2)[0]
    assert followed["anchor_id"] is not None
    choose(bot, second, followed["id"], "unlock_style")
    bot.slack.wait_for(
        lambda: any("unlocked" in m["text"] for m in bot.bot_replies("C1", second["thread_ts"]))
    )
    bot.sender.block_action("reroll", None, "U1", "C1", second["ts"])
    bot.wait_for_variants("C1", second["thread_ts"], count=2)
    assert bot.spy.requests[-1].anchor_image is None
    assert assets_of_job(bot, 3)[0]["anchor_id"] is None


def test_finals_and_iterations_keep_the_drafts_style_choice_and_show_its_lines(spy_bot):
    bot = spy_bot
    first = draft(bot, "a red sneaker on marble --n 1 --seed 5", 0)
    lock(bot, first, assets_of_job(bot, 1)[0]["id"])
    assert "now follows" in bot.sender.command("/dailies", "anchor channel").json()["text"]
    bot.sender.command("/dailies", "palette #0055FF #FFFFFF")
    anchor_row = anchors.by_name(bot.runtime.store, "T1", "red-sneaker-1")

    def final_of(results):
        asset = assets_of_job(bot, bot.runtime.store.db["jobs"].count)[0]
        bot.sender.block_action(f"promote:{asset['id']}", None, "U1", "C1", results["ts"])
        return bot.slack.wait_for(
            lambda: next(
                (m for m in bot.bot_replies("C1", results["thread_ts"]) if "final_image" in str(m)),
                None,
            ),
            timeout=60,
        )

    plain = draft(bot, "a blue cap --n 1 --seed 1 --anchor none", 1)
    final = final_of(plain)
    final_asset = assets_of_job(bot, bot.runtime.store.db["jobs"].count)[0]
    assert bot.spy.requests[-1].anchor_image is None and final_asset["anchor_id"] is None
    assert block(final, "style_anchor") is None
    assert "#0055FF" in str(block(final, "palette")), "a final shows the palette line"

    bot.sender.user_message("C1", "U1", "brighter", thread_ts=plain["thread_ts"])
    v2 = bot.wait_for_variants("C1", plain["thread_ts"], count=2)[1]
    assert bot.spy.requests[-1].anchor_image is None, "the iteration keeps --anchor none"
    # A style locked in the thread afterwards is the newer choice: the next iteration follows it.
    lock(bot, v2, assets_of_job(bot, bot.runtime.store.db["jobs"].count)[0]["id"])
    bot.sender.user_message("C1", "U1", "warmer", thread_ts=plain["thread_ts"])
    bot.wait_for_variants("C1", plain["thread_ts"], count=3)
    assert bot.spy.requests[-1].anchor_image is not None

    anchored = draft(bot, "a green lamp --n 1 --seed 2", 2)
    final = final_of(anchored)
    assert (
        assets_of_job(bot, bot.runtime.store.db["jobs"].count)[0]["anchor_id"] == (anchor_row["id"])
    )
    assert "`red-sneaker-1`" in str(block(final, "style_anchor")), "a final shows its anchor"
    assert block(final, "palette") is not None


def test_once_approvers_are_set_the_channel_anchor_is_theirs_and_scale_stays_here(spy_bot):
    bot = spy_bot
    first = draft(bot, "studio portrait of a cat --n 1 --seed 9", 0)
    lock(bot, first, assets_of_job(bot, 1)[0]["id"])
    bot.sender.command("/dailies", "anchor channel")
    bot.sender.command("/dailies", "approvers <@U1>")
    for verb in ("clear", "scale 0.2", "channel", "use studio-portrait-1"):
        body = bot.sender.command("/dailies", f"anchor {verb}", user_id="U2").json()
        assert "Only this channel's approvers (<@U1>)" in body["text"], verb
    listed = bot.sender.command("/dailies", "anchor list", user_id="U2").json()["text"]
    assert "This channel follows `studio-portrait-1`" in listed and "scale 0.2" not in listed

    # Another channel's command acts on that channel only: C1's anchor is not C2's to scale.
    body = bot.sender.command(
        "/dailies", "anchor scale 0.3 studio-portrait-1", channel_id="C2"
    ).json()
    assert "belongs to <#C1>; change its scale there" in body["text"]
    listed = bot.sender.command("/dailies", "anchor list").json()["text"]
    assert "scale 0.3" not in listed
