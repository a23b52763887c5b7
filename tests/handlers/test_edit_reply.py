"""`edit #N <instruction>` with a mask PNG in the thread, end to end, and every bad input."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from bot.jobs import rows as jobs
from bot.jobs.edits import FEATHER
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
        ("edit #99999999999999999999 a hat", small, "no image #99999999999999999999"),
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


def rgba_mask_png(size: tuple[int, int], opaque_box: tuple[int, int, int, int]) -> bytes:
    """White everywhere, as editors store it, but transparent except in ``opaque_box``."""
    mask = Image.new("RGBA", size, (255, 255, 255, 0))
    mask.paste((255, 255, 255, 255), opaque_box)
    buffer = io.BytesIO()
    mask.save(buffer, format="PNG")
    return buffer.getvalue()


def test_transparent_mask_areas_are_kept_and_the_person_is_told(bot):
    root, shown = draft(bot)
    source = source_asset(bot, shown, 2)
    w, h = source["width"], source["height"]
    mask = rgba_mask_png((w, h), (w // 2, 0, w, h))
    reply(bot, root, "edit #2 a lighthouse", [("mask.png", mask)])
    assert "transparent areas: I read them as keep" in warning_for(bot)
    edited = results(bot, root, 2)
    before = np.asarray(png(bot, source["slack_file_id"]).convert("RGB")).astype(int)
    for block in image_blocks(edited):
        after = np.asarray(png(bot, block["slack_file"]["id"]).convert("RGB")).astype(int)
        assert (after[:, : w // 4] == before[:, : w // 4]).all(), "transparent white is keep"
        assert np.abs(after[:, 3 * w // 4 :] - before[:, 3 * w // 4 :]).mean() > 1


def png_header(width: int, height: int) -> bytes:
    """A tiny 1-bit PNG that claims ``width``×``height``: enough for Pillow to read its size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def test_masks_with_too_many_pixels_are_refused_by_size_not_bytes(bot):
    root, _ = draft(bot)
    reply(bot, root, "edit #1 a hat", [("huge.png", png_header(20000, 20000))])
    assert "masks may be at most 8192×8192 pixels" in warning_for(bot)
    reply(bot, root, "edit #1 a hat", [("wide.png", png_header(9000, 9000))], user="U6")
    told = warning_for(bot, user="U6")
    assert "`wide.png` is 9000×9000 pixels" in told and "at most 8192×8192" in told
    assert bot.runtime.store.db["jobs"].count == 1


def test_only_edit_with_an_image_number_or_a_file_is_a_region_edit(bot):
    root, shown = draft(bot)
    reply(bot, root, "edit: warmer light, fewer boats")
    job = bot.slack.wait_for(lambda: jobs.find_job(bot.runtime.store, 2))
    assert job.kind == "draft" and job.params["iteration"] == 2
    assert "warmer light, fewer boats" in job.params["prompt"]
    assert not bot.slack.ephemerals, "an iteration, not a refused edit"
    source = source_asset(bot, shown, 2)
    reply(bot, root, "edit v1#2 a hat", [("mask.png", mask_png((64, 64), (0, 0, 32, 32)))])
    edit = bot.slack.wait_for(lambda: jobs.find_job(bot.runtime.store, 3))
    assert edit.kind == "edit" and edit.params["source_asset_id"] == source["id"]
    reply(bot, root, "edit v7#2 a hat", [("mask.png", mask_png((64, 64), (0, 0, 32, 32)))])
    assert "no v7" in warning_for(bot)
