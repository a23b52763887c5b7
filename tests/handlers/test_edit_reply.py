"""`edit #N <instruction>` with a mask PNG in the thread, end to end, and every bad input."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from bot.edit_jobs import FEATHER
from handlers.edit_reply import handle_edit_reply
from models import masks
from tests.handlers.conftest import start_bot
from tests.handlers.test_edit_actions import draft, image_blocks, png, results, source_asset


@pytest.fixture
def bot(tmp_path, slack, tiny_runner):
    running = start_bot(tmp_path, slack, lambda device: tiny_runner, draft_side=64)
    yield running
    running.stop()


def mask_png(size: tuple[int, int], box: tuple[int, int, int, int] | None) -> bytes:
    mask = Image.new("L", size, 0)
    if box is not None:
        mask.paste(255, box)
    buffer = io.BytesIO()
    mask.save(buffer, format="PNG")
    return buffer.getvalue()


def reply(bot, root, text, files=None, user="U5"):
    sent, message = bot.sender.user_message("C1", user, text, thread_ts=root["ts"], files=files)
    assert sent.status == 200
    return message


def warning_for(bot, user="U5") -> str:
    found = bot.slack.wait_for(
        lambda: [e for e in bot.slack.ephemerals if e["user"] == user] or None
    )
    return found[-1]["text"]


def test_edit_reply_with_a_mask_of_another_size_resizes_it_says_so_and_edits(bot):
    root, shown = draft(bot)
    source = source_asset(bot, shown, 2)
    # Half the source's resolution; white = the right half.
    reply(bot, root, "edit #2 a lighthouse", [("mask.png", mask_png((32, 32), (16, 0, 32, 32)))])
    note = warning_for(bot)
    assert "resized the mask" in note and "32×32" in note
    edited = results(bot, root, 2)
    made = list(bot.runtime.store.db["assets"].rows_where("job_id = 2"))
    assert len(made) == 2 and {a["parent_id"] for a in made} == {source["id"]}
    hard = Image.new("L", (source["width"], source["height"]), 0)
    hard.paste(255, (source["width"] // 2, 0, source["width"], source["height"]))
    soft = np.asarray(masks.feather(hard, FEATHER))
    assert (soft[:, : source["width"] // 4] == 0).all(), "the left quarter is outside the band"
    before = np.asarray(png(bot, source["slack_file_id"]).convert("RGB")).astype(int)
    for block in image_blocks(edited):
        after = np.asarray(png(bot, block["slack_file"]["id"]).convert("RGB")).astype(int)
        assert (after[soft == 0] == before[soft == 0]).all()
        assert np.abs(after[soft == 255] - before[soft == 255]).mean() > 1


def test_bad_edit_replies_get_a_clear_ephemeral_and_queue_nothing(bot):
    root, _ = draft(bot)
    small = [("mask.png", mask_png((64, 64), (0, 0, 8, 8)))]
    cases = [
        ("edit #2 a hat", [("mask.png", b"this is not a png")], "is not an image"),
        ("edit #2 a hat", [("mask.png", mask_png((64, 64), None))], "no white area"),
        ("edit #7 a hat", small, "no image #7"),
        ("edit #2   ", small, "Say what should change"),
        ("edit the sky", small, "Say which image"),
    ]
    for count, (text, files, expected) in enumerate(cases, start=1):
        reply(bot, root, text, files)
        found = bot.slack.wait_for(lambda n=count: len(bot.slack.ephemerals) >= n or None)
        assert found and expected in bot.slack.ephemerals[count - 1]["text"], text
    bot.runtime.settings = bot.runtime.settings.with_overrides(edit_mask_max_bytes=64)
    reply(bot, root, "edit #1 a hat", small)
    bot.slack.wait_for(lambda: len(bot.slack.ephemerals) > len(cases) or None)
    assert "masks may be at most" in bot.slack.ephemerals[-1]["text"]
    assert bot.runtime.store.db["jobs"].count == 1


def test_handle_edit_reply_claims_only_edit_commands(bot):
    """The contract the thread-reply listener relies on: False for anything else."""
    root, _ = draft(bot)
    client = bot.runtime.client
    # Stored, not delivered: these messages are the thread-reply listener's to pass on.
    plain = bot.slack.post_user_message("C1", "U5", "make it bluer", thread_ts=root["ts"])
    assert handle_edit_reply(bot.runtime, {**plain, "channel": "C1"}, client) is False
    no_file = bot.slack.post_user_message("C1", "U5", "edit #1 a hat", thread_ts=root["ts"])
    assert handle_edit_reply(bot.runtime, {**no_file, "channel": "C1"}, client) is True
    assert "Attach the mask PNG" in warning_for(bot)
    assert bot.runtime.store.db["jobs"].count == 1
