"""Automatic QC flags on real images: tiny-family variants, solid colours, clipped frames."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from bot.jobs import rows as jobs
from bot.quality.flags import (
    CLIPPED_HIGHLIGHTS,
    CLIPPED_SHADOWS,
    FLAT,
    NEAR_DUPLICATE,
    OFF_PALETTE,
    Thresholds,
    batch_flags,
    check_assets,
    stored_flags,
)
from bot.store.assets import job_assets, save_generated
from bot.store.database import Store
from models.request import GenerationRequest
from models.runner import ModelRunner

T = Thresholds()


@pytest.fixture(scope="module")
def tiny_images():
    runner = ModelRunner("tiny", device="cpu")
    request = GenerationRequest(
        tier="draft", prompt="a red kite", width=128, height=128, seeds=(11, 12)
    )
    result = runner.generate(request)
    return runner, request, result


def names(flags):
    return [[f.flag for f in per_image] for per_image in flags]


def test_near_duplicate_fires_on_identical_images_not_on_two_seeds(tiny_images):
    _, _, result = tiny_images
    first, second = (g.image for g in result.images)
    assert names(batch_flags([first, second], T)) == [[], []]
    found = batch_flags([first, second, first.copy()], T)
    assert names(found) == [[], [], [NEAR_DUPLICATE]]
    assert found[2][0].detail == "#1" and found[2][0].value == 0


def test_a_solid_colour_is_flat_and_a_white_frame_is_clipped():
    solid = Image.new("RGB", (512, 512), (120, 30, 200))
    white = Image.new("RGB", (512, 512), (255, 255, 255))
    black = np.zeros((512, 512, 3), np.uint8)
    black[(np.arange(512) // 16 % 2 == 0)[:, None] & (np.arange(512) // 16 % 2 == 0)] = 200
    # detailed (a chequer of 16-pixel squares), yet three quarters black
    assert names(batch_flags([solid], T)) == [[FLAT]]
    assert names(batch_flags([white], T)) == [[FLAT, CLIPPED_HIGHLIGHTS]]
    assert names(batch_flags([Image.fromarray(black)], T)) == [[CLIPPED_SHADOWS]]


def test_off_palette_uses_the_channel_palette(tiny_images):
    solid = Image.new("RGB", (128, 128), (0, 85, 255))
    assert names(batch_flags([solid], T, palette=["#0055FF", "#FFFFFF"])) == [[FLAT]]
    flagged = batch_flags([solid], T, palette=["#FF0000", "#FFFF00"])
    assert names(flagged) == [[FLAT, OFF_PALETTE]] and flagged[0][1].value > T.palette_delta_e


def test_check_assets_stores_each_flag_once_and_marks_every_asset_checked(tmp_path, tiny_images):
    runner, request, result = tiny_images
    store = Store(tmp_path / "db.sqlite")
    job = jobs.create_job(store, "draft", {"prompt": "p"}, user_id="U1", channel_id="C1")
    used = runner.describe(request)
    for variant, generated in enumerate([*result.images, result.images[0]], start=1):
        save_generated(
            store,
            tmp_path / "a",
            job,
            generated,
            used,
            variant=variant,
            prompt="p",
            negative_prompt="",
            tier="draft",
            parent_id=None,
        )
    assets = job_assets(store, job.id)
    raised = check_assets(store, tmp_path / "a", assets, T)
    assert {k: [f.flag for f in v] for k, v in raised.items()} == {
        assets[0]["id"]: [],
        assets[1]["id"]: [],
        assets[2]["id"]: [NEAR_DUPLICATE],
    }
    assert check_assets(store, tmp_path / "a", job_assets(store, job.id), T) == {}
    rows = stored_flags(store, [a["id"] for a in assets])
    assert list(rows) == [assets[2]["id"]]
    assert rows[assets[2]["id"]][0]["detail"] == "#1"
    assert rows[assets[2]["id"]][0]["threshold"] == T.duplicate_bits
    assert all(a["qc_checked_at"] for a in job_assets(store, job.id))
