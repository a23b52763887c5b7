"""Recipes of edit-in-place jobs: bounds and messages a person sees."""

import numpy as np
import pytest
from PIL import Image

from bot.config import Settings
from bot.jobs.edit_params import (
    EditError,
    parse_custom_size,
    resize_params,
    steps_for_strength,
    upscale_params,
    vary_size,
)
from bot.media.edit_grid import grid_preview
from models.presets import get_family

ASSET = {
    "id": 3,
    "job_id": 1,
    "variant": 2,
    "tier": "draft",
    "prompt": "a kite",
    "negative_prompt": "",
    "width": 512,
    "height": 640,
}


def test_img2img_steps_always_run_at_least_one_step():
    assert steps_for_strength(2, 4, 0.35) == 3  # int(2 × 0.35) = 0; int(3 × 0.35) = 1
    assert steps_for_strength(2, 4, 0.7) == 2
    assert steps_for_strength(30, 60, 0.35) == 30
    with pytest.raises(EditError, match="runs no step"):
        steps_for_strength(2, 4, 0.1)


def test_custom_sizes_parse_and_are_bounded():
    settings = Settings()
    size = parse_custom_size(" 1500 × 500 ", settings)
    assert (size.label, size.width, size.height) == ("3:1", 1500, 500)
    assert parse_custom_size("800x800px", settings).label == "1:1"
    with pytest.raises(EditError, match="between 256 and 4096"):
        parse_custom_size("5000x300", settings)
    with pytest.raises(EditError, match="width×height"):
        parse_custom_size("1500 by 500", settings)


def test_resize_deduplicates_formats_and_needs_one():
    from bot.jobs.edit_params import FORMATS

    params = resize_params(get_family("tiny"), ASSET, [FORMATS["1:1"], FORMATS["1:1"]])
    assert params["formats"] == [{"label": "1:1", "width": 1080, "height": 1080}]
    assert len(params["seeds"]) == 1 and params["source_asset_id"] == 3
    with pytest.raises(EditError, match="at least one format"):
        resize_params(get_family("tiny"), ASSET, [])


def test_upscale_bound_names_the_size_the_limit_and_a_way_out():
    settings = Settings(upscale_max_side=2048)
    params = upscale_params(settings, get_family("sdxl"), ASSET, 2)
    assert (params["width"], params["height"], params["scale"]) == (1024, 1280, 2)
    with pytest.raises(EditError) as refused:
        upscale_params(settings, get_family("sdxl"), ASSET, 4)
    assert str(refused.value) == (
        "Upscaling this 512×640 image ×4 would make 2048×2560, above the limit of 2048 px per "
        "side. Try ×2."
    )


def test_variations_of_huge_images_render_near_the_native_size():
    assert vary_size(1080, 1350, 1024) == (1080, 1344)
    w, h = vary_size(4096, 4096, 512)
    assert (w, h) == (512, 512)


def test_grid_preview_is_readable_and_draws_the_grid():
    preview = grid_preview(Image.new("RGB", (64, 128), (0, 0, 0)))
    assert preview.size == (256, 512)
    pixels = np.asarray(preview)
    assert pixels[:, 256 // 3].max() == 255, "a white vertical grid line"
    cx, cy = 256 // 6, 512 // 6  # the centre of cell 1, where its number is written
    assert pixels[cy - 12 : cy + 12, cx - 12 : cx + 12].max() == 255, "the digit"
    assert pixels[cy - 12 : cy + 12, 5:15].max() == 0, "and nothing else in the cell"


def test_a_variation_keeps_the_source_drafts_style_choice(tmp_path):
    from bot.jobs import rows as jobs
    from bot.jobs.edit_params import vary_params
    from bot.store.database import Store
    from tests.bot.review_rows import draft_job

    store = Store(tmp_path / "db.sqlite")
    job, (asset_id, _) = draft_job(store)
    jobs.update_job(store, job.id, params='{"anchor": "none", "seeds": [10, 11]}')
    asset = store.db["assets"].get(asset_id)
    params = vary_params(store, Settings(models="tiny"), get_family("tiny"), asset, "subtle")
    assert params["anchor"] == "none", "--anchor none on the draft holds for its variations"
