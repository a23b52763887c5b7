"""Export packages through Slack and the CLI: contents, metadata, lineage, determinism, limit."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from PIL import Image

from handlers.cli import main
from tests.handlers.conftest import start_bot
from tests.handlers.library_helpers import draft_in
from tests.handlers.review_helpers import click


def zips(bot) -> list[dict]:
    """Zip files whose upload is complete (bytes sent and files.completeUploadExternal done)."""
    return [
        f
        for f in bot.slack.files.values()
        if (f.get("name") or "").endswith(".zip") and f.get("completed_at")
    ]


def wait_zip(bot, count: int) -> dict:
    return bot.slack.wait_for(lambda: (found := zips(bot)) and len(found) >= count and found)[
        count - 1
    ]


def button(message: dict, label: str) -> dict:
    for block in message["blocks"]:
        for element in block.get("elements") or []:
            if element.get("type") == "button" and element["text"]["text"] == label:
                return element
    raise AssertionError(f"no {label} button")


def test_export_from_a_final_and_a_thread_is_complete_and_deterministic(
    bot, tmp_path, monkeypatch, capsys
):
    root, shown = draft_in(bot, "a copper teapot --n 2 --seed 21")
    click(bot, shown, "vote", 2, "U2")
    click(bot, shown, "promote", 2, "U3")
    final = bot.slack.wait_for(
        lambda: next(
            (m for m in bot.bot_replies("C1", root["ts"]) if "final_image" in str(m.get("blocks"))),
            None,
        ),
        timeout=60,
    )
    bot.sender.command("/dailies", "tag a3 hero")
    export = button(final, "Export")
    bot.sender.block_action(export["action_id"], export["value"], "U4", "C1", final["ts"])
    package = wait_zip(bot, 1)
    assert package["thread_ts"] == root["ts"], "uploaded into the final's thread"
    exported = bot.slack.wait_for(lambda: list(bot.runtime.store.db["exports"].rows) or None)
    assert [(r["asset_id"], r["user_id"], r["source"]) for r in exported] == [(3, "U4", "slack")]
    stats = str(bot.sender.command("/dailies", "stats", user_id="U4").json())
    assert "exported 1" in stats, "a hand-off counts as a usable signal"
    archive = zipfile.ZipFile(io.BytesIO(package["bytes"]))
    names = archive.namelist()
    assert names == sorted(names)
    assert set(names) == {
        "assets/a2-seed22.png",
        "assets/a3-seed22.png",
        "contact_sheet.png",
        "lineage.json",
        "manifest.csv",
    }, "the final and its parent"
    with Image.open(io.BytesIO(archive.read("assets/a3-seed22.png"))) as png:
        assert png.size == (256, 256) and "Seed: 22" in png.text["parameters"]
    lineage = json.loads(archive.read("lineage.json"))["assets"]
    ids = {r["id"] for r in lineage}
    assert all(r["parent"] in ids for r in lineage if r["parent"])
    final_record = next(r for r in lineage if r["id"] == "a3")
    assert final_record["parent"] == "a2" and final_record["approver"] == "U3"
    assert final_record["tags"] == ["hero"] and final_record["tier"] == "final"
    assert next(r for r in lineage if r["id"] == "a2")["votes"] == {"count": 1, "voters": ["U2"]}
    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    assert {r["file"] for r in rows} == set(names) - {"manifest.csv"}
    store_final = next(bot.runtime.store.db["assets"].rows_where("id = 3"))
    assert next(r for r in rows if r["asset"] == "a3")["sha256"] == store_final["sha256"]

    link = bot.runtime.client.chat_getPermalink(channel="C1", message_ts=root["ts"])["permalink"]
    for count in (2, 3):
        answer = bot.sender.command("/dailies", f"export {link}").json()["text"]
        assert "Building the package (3 files" in answer and "in the thread" in answer
        wait_zip(bot, count)
    first, second = zips(bot)[1:3]
    assert first["bytes"] == second["bytes"], "the same selection gives the same bytes"

    monkeypatch.setenv("DAILIES_HOME", str(bot.runtime.settings.home))
    out = tmp_path / "pkg.zip"
    assert main(["export", "--thread", root["ts"], "--out", str(out)]) == 0
    assert out.read_bytes() == first["bytes"], "the CLI writes the package Slack got"
    cli_rows = list(bot.runtime.store.db["exports"].rows_where("source = 'cli'"))
    assert {r["package"] for r in cli_rows} == {"pkg.zip"} and len(cli_rows) == 3, "the thread"
    assert main(["export", "--out", str(tmp_path)]) == 2
    assert "name what to export" in capsys.readouterr().err

    import handlers.export

    monkeypatch.setattr(handlers.export, "PROGRESS_FROM_FILES", 1)  # as for a large export
    tagged = bot.sender.command("/dailies", "export tag:hero").json()["text"]
    assert "it will appear here" in tagged
    assert wait_zip(bot, 4)["thread_ts"] is None
    # Progress edits are kept within the edit budget: the last one may land just after the zip.
    last_word = ":package: Packaging everything · tag:hero: uploading…"
    bot.slack.wait_for(
        lambda: [m for m in bot.root_messages("C1") if m["text"] == last_word] or None
    )
    elsewhere = bot.sender.command("/dailies", "export tag:hero", channel_id="C2").json()["text"]
    assert "it will appear in your DM" in elsewhere
    assert wait_zip(bot, 5)["channels"] == ["D1"]


def test_an_export_over_the_limit_is_refused_with_its_size(tmp_path, slack, tiny_runner):
    bot = start_bot(tmp_path, slack, lambda device: tiny_runner, export_max_bytes=1000)
    try:
        draft_in(bot, "a glass teapot --n 1 --seed 4")
        answer = bot.sender.command("/dailies", "export a1").json()["text"]
        assert "over the 1.0 KB limit (DAILIES_EXPORT_MAX_BYTES)" in answer
        assert "That package would hold 1 file, " in answer
        assert zips(bot) == []
        nothing = bot.sender.command("/dailies", "export tag:nope").json()["text"]
        assert "Nothing matches that selection" in nothing
    finally:
        bot.stop()
