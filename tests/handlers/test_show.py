"""/dailies show through Slack: the repost, its settings and lineage, reproduce, new thread."""

from __future__ import annotations

from bot.jobs import rows as jobs
from tests.handlers.library_helpers import draft_in


def shown_in(bot, channel: str) -> dict:
    return bot.slack.wait_for(
        lambda: next(
            (m for m in bot.root_messages(channel) if "show_summary" in str(m.get("blocks"))),
            None,
        )
    )


def button(message: dict, label: str) -> dict:
    for block in message["blocks"]:
        for element in block.get("elements") or []:
            if element.get("type") == "button" and element["text"]["text"] == label:
                return element
    raise AssertionError(f"no {label} button")


def test_show_reposts_with_settings_and_reproduce_gives_identical_bytes(bot):
    draft_in(bot, "a paper crane --n 2 --seed 11 --no smoke")
    answer = bot.sender.command("/dailies", "show a2", channel_id="C2").json()
    assert "Showing `a2` here" in answer["text"]
    shown = shown_in(bot, "C2")
    text = str(shown["blocks"])
    assert "`a2` shown by <@U1>" in text and "a paper crane" in text
    assert "seed 12" in text and "no: smoke" in text and "dailies/tiny-sdxl-draft" in text
    assert "v1 #2 (`a2`, seed 12)" in text
    store = bot.runtime.store
    original = next(store.db["assets"].rows_where("id = 2"))
    image = next(b for b in shown["blocks"] if b["type"] == "image")
    assert image["slack_file"]["id"] != original["slack_file_id"], "uploaded into C2"
    assert (
        bot.slack.files[image["slack_file"]["id"]]["bytes"]
        == bot.slack.files[original["slack_file_id"]]["bytes"]
    )
    assert "/archives/C1/" in button(shown, "Open original")["url"]

    reproduce = button(shown, "Reproduce exactly")
    bot.sender.block_action(reproduce["action_id"], reproduce["value"], "U2", "C2", shown["ts"])
    bot.wait_for_variants("C2", shown["ts"])
    verdict = bot.slack.wait_for(
        lambda: next(
            (m for m in bot.bot_replies("C2", shown["ts"]) if "bytes" in m.get("text", "")), None
        )
    )
    assert "*Identical bytes*: `a3` is `a2` exactly" in verdict["text"]
    made = next(store.db["assets"].rows_where("id = 3"))
    assert made["sha256"] == original["sha256"] and made["approved"] == 0
    assert jobs.get_job(store, made["job_id"]).kind == "reproduce"

    again = bot.slack.message("C2", shown["ts"])
    fresh = button(again, "New thread from it")
    bot.sender.block_action(fresh["action_id"], fresh["value"], "U2", "C2", shown["ts"])
    root = bot.slack.wait_for(
        lambda: next((m for m in bot.root_messages("C2") if "Draft v1" in m.get("text", "")), None)
    )
    bot.wait_for_variants("C2", root["ts"])
    job = jobs.get_job(store, 3)
    assert job.kind == "draft" and job.params["init_asset_id"] == 2
    assert job.params["prompt"] == "a paper crane" and len(job.params["seeds"]) == 2


def test_show_refuses_what_it_cannot_name(bot):
    assert "There is no asset `a7`" in bot.sender.command("/dailies", "show a7").json()["text"]
    bad = bot.sender.command("/dailies", "show teapot").json()["text"]
    assert "neither an asset id" in bad and "/dailies show a17" in bad
