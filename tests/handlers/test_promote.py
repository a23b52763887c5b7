"""Promote through Slack: approvers, the FINAL in the thread, the root, approval and lineage."""

from __future__ import annotations

import io

from PIL import Image

from bot.jobs import rows as jobs
from bot.review.channel_settings import FINAL_PRIORITY
from handlers.cli import main
from tests.handlers.review_helpers import click, start_draft


def finals(bot, root):
    return [m for m in bot.bot_replies("C1", root["ts"]) if "final_image" in str(m.get("blocks"))]


def test_only_approvers_may_promote_and_a_refusal_says_who_can(bot):
    help_text = bot.sender.command("/dailies", "help").json()["text"]
    assert "/dailies approvers [@a @b | anyone]" in help_text and "`v1#3`" in help_text
    answer = bot.sender.command("/dailies", "approvers").json()
    assert "anyone in this channel can promote" in answer["text"]
    answer = bot.sender.command("/dailies", "approvers <@U2|bea> <@U3>", user_id="U1").json()
    assert "Done: now <@U2> and <@U3> can promote" in answer["text"]
    answer = bot.sender.command("/dailies", "approvers @bea").json()
    assert "`@bea` is not a person I can read" in answer["text"]
    assert "<@U2> and <@U3>" in bot.sender.command("/dailies", "approvers").json()["text"]

    root, shown = start_draft(bot, "a velvet chair --n 2 --seed 8")
    click(bot, shown, "promote", 1, "U1")
    refusal = bot.slack.wait_for(lambda: bot.slack.ephemerals or None)[0]
    assert refusal["user"] == "U1" and refusal["thread_ts"] == root["ts"]
    assert "Only <@U2> and <@U3> can promote" in refusal["text"]
    assert [j["kind"] for j in bot.runtime.store.db["jobs"].rows] == ["draft"]

    lifted = bot.sender.command("/dailies", "approvers anyone", user_id="U9").json()["text"]
    assert "Only this channel's approvers (<@U2> and <@U3>) can change" in lifted
    assert "<@U2> and <@U3>" in bot.sender.command("/dailies", "approvers").json()["text"]
    bot.sender.command("/dailies", "approvers anyone", user_id="U2")
    bot.sender.command("/dailies", "finals first on")
    click(bot, shown, "promote", 2, "U1")
    final_job = bot.slack.wait_for(lambda: jobs.find_job(bot.runtime.store, 2))
    assert final_job.kind == "final" and final_job.priority == FINAL_PRIORITY


def test_promote_posts_a_final_with_lineage_updates_the_root_and_approves(bot, monkeypatch, capsys):
    root, _ = start_draft(bot, "a lemon tree --n 2 --seed 40")
    bot.sender.user_message("C1", "U2", "#2 at dusk --n 2 --seed 70", thread_ts=root["ts"])
    v2 = bot.wait_for_variants("C1", root["ts"], count=2)[1]
    click(bot, v2, "promote", 1, "U3")

    final = bot.slack.wait_for(lambda: finals(bot, root), timeout=60)[0]
    summary = final["blocks"][0]["text"]["text"]
    assert summary.startswith(":star: *FINAL* · promoted by <@U3> from v2 #1")
    assert "a lemon tree, at dusk" in summary
    lineage = " ".join(
        e["text"] for b in final["blocks"] if b["block_id"] == "lineage" for e in b["elements"]
    )
    assert "v1 #2 (seed 41) → v2 #1 (seed 70) → FINAL (seed 70)" in lineage
    assert "`dailies/tiny-sdxl-draft` → `dailies/tiny-sdxl-final`" in lineage
    assert "Promote" not in str(final["blocks"]) and "Vote" not in str(final["blocks"])
    file_id = next(b for b in final["blocks"] if b["type"] == "image")["slack_file"]["id"]
    with Image.open(io.BytesIO(bot.slack.files[file_id]["bytes"])) as png:
        assert png.size == (256, 256), "the final tier's size"

    status = bot.slack.wait_for(
        lambda: next(
            (m for m in bot.bot_replies("C1", root["ts"]) if "*Final render*" in str(m)), None
        )
    )
    history = [str(v.get("blocks")) for v in status.get("history", [])] + [str(status["blocks"])]
    assert any("Rendering" in h for h in history), "the final's progress is shown"

    top = bot.slack.wait_for(
        lambda: (m := bot.slack.message("C1", root["ts"])) and "FINAL" in str(m["blocks"]) and m
    )
    assert "a lemon tree" in str(top["blocks"]) and "2 variants" in str(top["blocks"])
    assert ":star: *FINAL* by <@U3> · from v2 #1" in str(top["blocks"])
    assert any(b.get("slack_file", {}).get("id") == file_id for b in top["blocks"])

    store = bot.runtime.store
    v2_first = next(store.db["assets"].rows_where("job_id = 2 AND variant = 1"))
    v1_second = next(store.db["assets"].rows_where("job_id = 1 AND variant = 2"))
    made = next(store.db["assets"].rows_where("tier = 'final'"))
    assert made["parent_id"] == v2_first["id"] and v2_first["parent_id"] == v1_second["id"]
    assert made["seed"] == v2_first["seed"] == 70
    assert made["approved"] == 1 and made["approved_by"] == "U3" and made["approved_at"]
    assert made["strength"] == bot.runtime.family.tiers["final"].default_strength

    click(bot, bot.slack.message("C1", v2["ts"]), "promote", 1, "U3")
    bot.slack.wait_for(lambda: len(finals(bot, root)) == 2, timeout=60)
    assert store.db["assets"].count_where("tier = 'final' AND approved = 1") == 2

    capsys.readouterr()
    monkeypatch.setenv("DAILIES_HOME", str(bot.runtime.settings.home))
    assert main(["history", "--channel", "C1", "--thread", root["ts"]]) == 0
    tree = capsys.readouterr().out.splitlines()
    assert tree[:2] == [f"thread C1 {root['ts']}", "prompt “a lemon tree”"]
    assert tree[5].startswith("└─ v2 from v1 #2 · job 2 · done · by U2 · “at dusk” → ")
    assert tree[6] == "   ├─ #1 seed 70 · 0 votes"
    assert tree[7].startswith("   │  ├─ FINAL · job 3 · seed 70 · 256×256")
    assert "dailies/tiny-sdxl-final · approved by U3" in tree[7]
    assert "FINAL · job 4" in tree[8] and "approved by U3" in tree[8]


def test_a_failing_click_is_answered_privately_never_met_with_silence(bot, monkeypatch):
    import handlers.promote

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(handlers.promote, "record_promotion", broken)
    _, shown = start_draft(bot, "a velvet chair --n 1 --seed 8")
    click(bot, shown, "promote", 1, "U1")
    answer = bot.slack.wait_for(lambda: bot.slack.responses or None)[0]
    assert "error on my side" in answer["json"]["text"]
    assert answer["json"]["response_type"] == "ephemeral"
    assert [j["kind"] for j in bot.runtime.store.db["jobs"].rows] == ["draft"]
