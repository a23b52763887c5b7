"""Once a channel names approvers, only they may change its model family (``/dailies models``);
anyone may still look, and another channel's settings are its own."""

from __future__ import annotations

from bot.jobs import model_choice


def family_row(bot, channel):
    rows = list(bot.runtime.store.db["channel_settings"].rows_where("channel_id = ?", [channel]))
    return rows[0].get("models") if rows else None


def test_only_approvers_change_the_model_family_once_set(bot):
    answer = bot.sender.command("/dailies", "models tiny", user_id="U1").json()
    assert "New drafts in this channel use `tiny`" in answer["text"], "no approvers: anyone"
    model_choice.set_channel_family(bot.runtime.store, "C1", "U1", None)

    bot.sender.command("/dailies", "approvers <@U2> <@U3>", user_id="U2")
    refused = bot.sender.command("/dailies", "models tiny", user_id="U1").json()
    assert refused.get("response_type", "ephemeral") == "ephemeral"
    assert (
        ":no_entry: Only this channel's approvers (<@U2> and <@U3>) can change its model "
        "family here." in refused["text"]
    )
    assert family_row(bot, "C1") is None, "the refused change was not made"
    refused = bot.sender.command("/dailies", "models default", user_id="U1").json()
    assert "can change its model family" in refused["text"]

    listing = bot.sender.command("/dailies", "models", user_id="U1").json()["text"]
    assert "This channel drafts with `tiny`" in listing, "anyone may look"

    answer = bot.sender.command("/dailies", "models tiny", user_id="U3").json()["text"]
    assert "New drafts in this channel use `tiny`" in answer
    assert family_row(bot, "C1") == "tiny"

    other = bot.sender.command("/dailies", "models tiny", user_id="U1", channel_id="C2").json()
    assert "New drafts in this channel use `tiny`" in other["text"], "C2 has no approvers"
    assert family_row(bot, "C2") == "tiny" and family_row(bot, "C1") == "tiny"
