"""Tags through Slack: More… → Tag…, /dailies tag and removal; shown on the line, searchable."""

from __future__ import annotations

from bot.slack import blocks
from tests.handlers.library_helpers import draft_in, find, hit_prompts


def titles(message: dict) -> list[str]:
    return [b["title"]["text"] for b in message["blocks"] if b["type"] == "image"]


def choose_tag(bot, message: dict, variant: int, user: str = "U2"):
    row = next(b for b in message["blocks"] if b.get("block_id") == f"variant_{variant}_actions")
    menu = next(e for e in row["elements"] if e["type"] == "static_select")
    assert {o["value"]: o["text"]["text"] for o in menu["options"]}["tag"] == "Tag…"
    return bot.sender.block_action(menu["action_id"], "tag", user, "C1", message["ts"])


def test_tag_command_adds_and_removes_and_the_variant_line_shows_them(bot):
    _, shown = draft_in(bot, "a glass teapot --n 2 --seed 3")
    assert titles(shown) == ["#1 · seed 3 · a1", "#2 · seed 4 · a2"]

    answer = bot.sender.command("/dailies", "tag a2 Hero q3-launch").json()["text"]
    assert "Done: `a2` has `hero` `q3-launch`" in answer
    redrawn = bot.slack.wait_for(
        lambda: (
            "🏷" in str(titles(bot.slack.message("C1", shown["ts"])))
            and bot.slack.message("C1", shown["ts"])
        )
    )
    assert titles(redrawn) == ["#1 · seed 3 · a1", "#2 · seed 4 · a2 · 🏷 hero q3-launch"]
    assert hit_prompts(find(bot, "tag:hero")) == ["a glass teapot"]
    assert hit_prompts(find(bot, "launch")) == ["a glass teapot"], "tags are words too"

    link = bot.runtime.client.chat_getPermalink(channel="C1", message_ts=shown["ts"])["permalink"]
    answer = bot.sender.command("/dailies", f"tag <{link}> #2 -hero").json()["text"]
    assert "Done: `a2` has `q3-launch`" in answer
    assert hit_prompts(find(bot, "tag:hero")) == []
    assert "`a2` has `q3-launch`" in bot.sender.command("/dailies", "tag a2").json()["text"]

    ambiguous = bot.sender.command("/dailies", f"tag {link} hero").json()["text"]
    assert "shows 2 images (`a1`, `a2`): add `#N`" in ambiguous
    assert "There is no asset `a99`" in bot.sender.command("/dailies", "tag a99 x").json()["text"]
    bad = bot.sender.command("/dailies", "tag a1 no/slash").json()["text"]
    assert "`no/slash` is not a tag name" in bad


def test_tag_modal_saves_exactly_the_field_and_refuses_a_bad_name(bot):
    _, shown = draft_in(bot, "a brass kettle --n 1 --seed 6")
    bot.sender.command("/dailies", "tag a1 old")
    choose_tag(bot, shown, 1)
    view = bot.slack.wait_for(
        lambda: next(
            (v for v in bot.slack.views if v["view"]["callback_id"] == "library_tag"), None
        )
    )["view"]
    field = next(b for b in view["blocks"] if b.get("block_id") == blocks.TAG_INPUT)
    assert field["element"]["initial_value"] == "old"

    def submit(value: str):
        values = {
            blocks.TAG_INPUT: {blocks.TAG_INPUT: {"type": "plain_text_input", "value": value}}
        }
        return bot.sender.view_submission(blocks.TAG_VIEW, values, "U2")

    refused = submit("good b@d").json()
    assert refused["response_action"] == "errors"
    assert "`b@d` is not a tag name" in refused["errors"][blocks.TAG_INPUT]
    assert submit("hero, final").acked_in_time
    bot.slack.wait_for(
        lambda: titles(bot.slack.message("C1", shown["ts"])) == ["#1 · seed 6 · a1 · 🏷 final hero"]
    )
    assert hit_prompts(find(bot, "tag:old")) == []
    assert hit_prompts(find(bot, "kettle tag:final tag:hero")) == ["a brass kettle"]
