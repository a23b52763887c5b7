"""Edit in place end to end: the variant's "More…" menu, modals, jobs, files in the thread."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from PIL import Image

from bot.jobs import rows as jobs
from bot.jobs.edits import FEATHER
from bot.media.png_params import parse_parameters
from bot.slack import blocks
from models import masks
from tests.handlers.conftest import start_bot


@pytest.fixture
def bot(tmp_path, slack, tiny_runner):
    # 64 px drafts keep every model call tiny; the upscaler limit is per test (runtime.settings).
    running = start_bot(tmp_path, slack, lambda device: tiny_runner, draft_side=64)
    yield running
    running.stop()


def image_blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in message["blocks"] if b["type"] == "image"]


def png(bot, file_id: str) -> Image.Image:
    with Image.open(io.BytesIO(bot.slack.files[file_id]["bytes"])) as image:
        image.load()
        return image


def draft(bot, text: str = "a kite over dunes --n 2 --seed 5") -> tuple[dict, dict]:
    bot.sender.command("/draft", text)
    root = bot.slack.wait_for(lambda: bot.root_messages() or None)[0]
    return root, bot.wait_for_variants("C1", root["ts"])[0]


def menu_entries(message: dict[str, Any], variant: int) -> dict[str, str]:
    row = next(b for b in message["blocks"] if b.get("block_id") == f"variant_{variant}_actions")
    menu = next(e for e in row["elements"] if e["type"] == "static_select")
    return {o["value"]: o["text"]["text"] for o in menu["options"]} | {"": menu["action_id"]}


def choose(bot, message: dict[str, Any], variant: int, entry: str, user: str = "U2"):
    action_id = menu_entries(message, variant)[""]
    return bot.sender.block_action(action_id, entry, user, "C1", message["ts"])


def source_asset(bot, message: dict[str, Any], variant: int) -> dict[str, Any]:
    file_id = image_blocks(message)[variant - 1]["slack_file"]["id"]
    return next(bot.runtime.store.db["assets"].rows_where("slack_file_id = ?", [file_id]))


def results(bot, root: dict[str, Any], count: int) -> dict[str, Any]:
    return bot.wait_for_variants("C1", root["ts"], count=count)[count - 1]


def wait_for_view(bot, callback_id: str, with_image: bool = False) -> dict[str, Any]:
    def found():
        for entry in reversed(bot.slack.views):
            view = entry["view"]
            if view["callback_id"] != callback_id:
                continue
            if with_image and not any(b["type"] == "image" for b in view["blocks"]):
                continue
            return entry
        return None

    return bot.slack.wait_for(found, timeout=20)


def test_every_edit_control_is_in_the_more_menu_of_each_variant(bot):
    _, shown = draft(bot)
    for variant in (1, 2):
        entries = menu_entries(shown, variant)
        for value, label in {
            "vary_subtle": "Vary subtle",
            "vary_strong": "Vary strong",
            "edit_region": "Edit region…",
            "resize": "Resize to formats…",
            "upscale_2": "Upscale ×2",
            "upscale_4": "Upscale ×4",
        }.items():
            assert entries[value] == label


def test_vary_subtle_and_strong_make_as_many_new_variants_from_the_chosen_one(bot):
    root, shown = draft(bot)
    for count, (variant, entry, strength) in enumerate(
        [(2, "vary_subtle", 0.35), (1, "vary_strong", 0.7)], start=2
    ):
        source = source_asset(bot, shown, variant)
        sent = choose(bot, shown, variant, entry)
        assert sent.acked_in_time
        varied = results(bot, root, count)
        images = image_blocks(varied)
        assert len(images) == 2, "as many as the source's job made"
        assert "Variation" in varied["text"]
        made = list(
            bot.runtime.store.db["assets"].rows_where("job_id = ?", [count], order_by="variant")
        )
        assert [a["parent_id"] for a in made] == [source["id"], source["id"]]
        assert {a["seed"] for a in made}.isdisjoint({5, 6}), "new seeds"
        for block in images:
            image = png(bot, block["slack_file"]["id"])
            assert image.size == (source["width"], source["height"])
            params = parse_parameters(image.text["parameters"])
            assert params.denoising_strength == strength and params.prompt == "a kite over dunes"
        job = jobs.get_job(bot.runtime.store, count)
        assert job.kind == "vary" and job.user_id == "U2" and job.thread_ts == root["ts"]
        assert menu_entries(varied, 1)["vary_subtle"], "results carry the usual controls"


def test_edit_region_modal_grid_preview_submit_and_masked_region_invariance(bot):
    root, shown = draft(bot)
    source = source_asset(bot, shown, 1)
    sent = choose(bot, shown, 1, "edit_region")
    assert sent.acked_in_time
    opened = wait_for_view(bot, blocks.EDIT_REGION_VIEW)
    assert opened["method"] == "views.open"
    updated = wait_for_view(bot, blocks.EDIT_REGION_VIEW, with_image=True)
    assert updated["method"] == "views.update"
    preview_id = next(b for b in updated["view"]["blocks"] if b["type"] == "image")["slack_file"]
    assert png(bot, preview_id["id"]).size == (512, 512), "a readable preview of the grid"
    options = next(b for b in updated["view"]["blocks"] if b.get("block_id") == "cells")
    names = [o["text"]["text"] for o in options["element"]["options"]]
    assert names[0] == "1 · top-left" and names[8] == "9 · bottom-right" and len(names) == 9

    values = {
        "cells": {
            "cells": {"type": "checkboxes", "selected_options": [{"value": "1"}, {"value": "2"}]}
        },
        "instruction": {"instruction": {"type": "plain_text_input", "value": "a red balloon"}},
    }
    sent = bot.sender.view_submission(blocks.EDIT_REGION_VIEW, values, "U3")
    assert sent.acked_in_time and not sent.body
    edited = results(bot, root, 2)
    assert "Region edit" in edited["text"]
    before = np.asarray(png(bot, source["slack_file_id"]).convert("RGB")).astype(int)
    soft = np.asarray(
        masks.feather(masks.grid_mask(source["width"], source["height"], [1, 2]), FEATHER)
    )
    assert (soft[-source["height"] // 3 :, :] == 0).all(), "the bottom row is outside the band"
    for block in image_blocks(edited):
        after = np.asarray(png(bot, block["slack_file"]["id"]).convert("RGB")).astype(int)
        assert after.shape == before.shape
        assert (after[soft == 0] == before[soft == 0]).all(), "outside the mask: the source"
        assert np.abs(after[soft == 255] - before[soft == 255]).mean() > 1, "inside: regenerated"
    made = list(bot.runtime.store.db["assets"].rows_where("job_id = 2"))
    assert {a["parent_id"] for a in made} == {source["id"]}
    assert {a["prompt"] for a in made} == {"a red balloon"}

    # A second open reuses the uploaded preview: one grid file in the thread, not two.
    choose(bot, shown, 1, "edit_region")
    bot.slack.wait_for(
        lambda: sum(v["method"] == "views.open" for v in bot.slack.views) == 2 or None
    )
    second = [v for v in bot.slack.views if v["method"] == "views.open"][-1]["view"]
    assert any(b["type"] == "image" for b in second["blocks"])
    grids = [f for f in bot.slack.files.values() if f["name"].startswith("dailies-grid-")]
    assert len(grids) == 1


def test_edit_region_refuses_no_cell_and_empty_instruction_and_queues_nothing(bot):
    _, shown = draft(bot)
    choose(bot, shown, 1, "edit_region")
    wait_for_view(bot, blocks.EDIT_REGION_VIEW)
    values = {
        "cells": {"cells": {"type": "checkboxes", "selected_options": []}},
        "instruction": {"instruction": {"type": "plain_text_input", "value": "   "}},
    }
    sent = bot.sender.view_submission(blocks.EDIT_REGION_VIEW, values, "U3")
    answer = sent.json()
    assert answer["response_action"] == "errors"
    assert "at least one cell" in answer["errors"]["cells"]
    assert "what should be there" in answer["errors"]["instruction"]
    values["cells"]["cells"]["selected_options"] = [{"value": "5"}]
    answer = bot.sender.view_submission(blocks.EDIT_REGION_VIEW, values, "U3").json()
    assert list(answer["errors"]) == ["instruction"]
    assert bot.runtime.store.db["jobs"].count == 1


def test_resize_outpaints_each_format_at_its_exact_size_with_the_source_unstretched(bot):
    root, shown = draft(bot, "a kite over dunes --n 1 --seed 9")
    source = source_asset(bot, shown, 1)
    choose(bot, shown, 1, "resize")
    view = wait_for_view(bot, blocks.RESIZE_VIEW)["view"]
    ticks = next(b for b in view["blocks"] if b.get("block_id") == "formats")["element"]
    assert [o["text"]["text"] for o in ticks["options"]] == [
        "1:1 · 1080×1080",
        "4:5 · 1080×1350",
        "9:16 · 1080×1920",
        "16:9 · 1920×1080",
        "1.91:1 · 1200×628",
    ]
    values = {
        "formats": {
            "formats": {
                "type": "checkboxes",
                "selected_options": [{"value": "9:16"}, {"value": "1.91:1"}],
            }
        },
        "custom_size": {"custom_size": {"type": "plain_text_input", "value": "300 x 500"}},
    }
    sent = bot.sender.view_submission(blocks.RESIZE_VIEW, values, "U3")
    assert sent.acked_in_time and not sent.body
    resized = results(bot, root, 2)
    titles = [b["title"]["text"] for b in image_blocks(resized)]
    assert titles == [
        "#1 · 9:16 · 1080×1920 · a2",
        "#2 · 1.91:1 · 1200×628 · a3",
        "#3 · 3:5 · 300×500 · a4",
    ]
    src = png(bot, source["slack_file_id"]).convert("RGB")
    sizes = [(1080, 1920), (1200, 628), (300, 500)]
    for block, size in zip(image_blocks(resized), sizes, strict=True):
        out = png(bot, block["slack_file"]["id"]).convert("RGB")
        assert out.size == size
        spot = masks.fit_inside(src.width, src.height, *size)
        placed = np.asarray(src.resize((spot.width, spot.height), Image.Resampling.LANCZOS))
        region = np.asarray(out)[
            spot.top : spot.top + spot.height, spot.left : spot.left + spot.width
        ]
        assert spot.width == spot.height, "a square source stays square: never stretched"
        assert (region == placed).all(), "the placed source keeps its pixels"
        outside = np.asarray(out)[: spot.top, :] if spot.top else np.asarray(out)[:, : spot.left]
        assert outside.size and outside.std() > 0, "the new area is generated, not flat padding"
    made = list(bot.runtime.store.db["assets"].rows_where("job_id = 2", order_by="variant"))
    assert [(a["width"], a["height"]) for a in made] == [(1080, 1920), (1200, 628), (300, 500)]
    assert {a["parent_id"] for a in made} == {source["id"]}


def test_resize_refuses_bad_input_and_queues_nothing(bot):
    _, shown = draft(bot, "a kite --n 1")
    choose(bot, shown, 1, "resize")
    wait_for_view(bot, blocks.RESIZE_VIEW)
    for custom, block, message in [
        (None, "formats", "at least one format"),
        ("100x100", "custom_size", "between 256 and 4096"),
        ("wide", "custom_size", "width×height"),
    ]:
        state = {"formats": {"formats": {"type": "checkboxes", "selected_options": []}}}
        if custom is not None:
            state["custom_size"] = {"custom_size": {"type": "plain_text_input", "value": custom}}
        answer = bot.sender.view_submission(blocks.RESIZE_VIEW, state, "U3").json()
        assert answer["response_action"] == "errors" and message in answer["errors"][block]
    assert bot.runtime.store.db["jobs"].count == 1


def test_upscale_posts_full_resolution_files_and_refuses_past_the_limit(bot):
    root, shown = draft(bot, "a kite --n 1 --seed 3")
    source = source_asset(bot, shown, 1)
    for count, scale in enumerate((2, 4), start=2):
        choose(bot, shown, 1, f"upscale_{scale}")
        upscaled = results(bot, root, count)
        [block] = image_blocks(upscaled)
        w, h = source["width"] * scale, source["height"] * scale
        assert block["title"]["text"] == f"×{scale} · {w}×{h} (full-resolution file) · a{count}"
        stored = bot.slack.files[block["slack_file"]["id"]]
        assert stored["thread_ts"] == root["ts"]
        image = png(bot, block["slack_file"]["id"])
        assert image.size == (w, h), "the file is the full resolution"
        assert parse_parameters(image.text["parameters"]).model == "dailies/tiny-x4-upscaler"
        [asset] = bot.runtime.store.db["assets"].rows_where("job_id = ?", [count])
        assert asset["parent_id"] == source["id"] and (asset["width"], asset["height"]) == (w, h)

    bot.runtime.settings = bot.runtime.settings.with_overrides(upscale_max_side=200)
    choose(bot, shown, 1, "upscale_4")
    warning = bot.slack.wait_for(lambda: bot.slack.ephemerals or None)[0]
    assert warning["user"] == "U2"
    assert "would make 256×256, above the limit of 200 px per side. Try ×2." in warning["text"]
    assert bot.runtime.store.db["jobs"].count == 3


def test_promote_on_resize_results_keeps_each_formats_own_shape(bot):
    """A resize job's first format must not speak for its other variants, nor a label such as
    1.91:1 reach the final's aspect arithmetic."""
    root, shown = draft(bot, "a kite over dunes --n 1 --seed 9")
    choose(bot, shown, 1, "resize")
    wait_for_view(bot, blocks.RESIZE_VIEW)
    picked = [{"value": "1.91:1"}, {"value": "9:16"}]
    values = {"formats": {"formats": {"type": "checkboxes", "selected_options": picked}}}
    bot.sender.view_submission(blocks.RESIZE_VIEW, values, "U3")
    resized = results(bot, root, 2)
    for variant in (1, 2):
        asset = source_asset(bot, resized, variant)
        bot.sender.block_action(f"promote:{asset['id']}", None, "U1", "C1", resized["ts"])

    def finals():
        found = [
            m for m in bot.bot_replies("C1", root["ts"]) if "final_image" in str(m.get("blocks"))
        ]
        return found if len(found) == 2 else None

    posted = bot.slack.wait_for(finals, timeout=60)
    sizes = []
    for message in posted:
        block = next(b for b in message["blocks"] if b.get("block_id") == "final_image")
        sizes.append(png(bot, block["slack_file"]["id"]).size)
    wide, tall = sorted(sizes, key=lambda size: size[1] / size[0])
    assert wide[0] / wide[1] > 1.4 and tall[1] / tall[0] > 1.4, sizes
    assert not bot.slack.ephemerals


def test_a_wide_draft_at_a_64_px_draft_side_is_drawn_wide(bot):
    _root, shown = draft(bot, "a kite over dunes --ar 16:9 --n 1 --seed 3")
    assert png(bot, image_blocks(shown)[0]["slack_file"]["id"]).size == (128, 64)
