"""Export packages without Slack: same selection → same bytes; ancestors included."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from bot.library import export
from bot.media.png_params import ImageParameters
from bot.store.assets import save_image_asset
from bot.store.database import Store


def save(store, assets_dir, seed, parent=None):
    with store.write() as db:
        job_id = (
            db["jobs"]
            .insert(
                {"kind": "draft", "status": "done", "params": '{"prompt": "p"}', "created_at": 1.0}
            )
            .last_pk
        )
    image = Image.new("RGB", (32, 32), (seed * 40 % 255, 90, 10))
    params = ImageParameters(
        prompt="a kite",
        negative_prompt="",
        steps=2,
        sampler="euler",
        cfg_scale=0.0,
        seed=seed,
        width=32,
        height=32,
        model="tiny",
        denoising_strength=None,
    )
    return save_image_asset(
        store,
        assets_dir,
        image,
        params,
        job_id=job_id,
        variant=1,
        tier="draft",
        scheduler="euler",
        parent_id=parent,
        user_id="U1",
        channel_id="C1",
        thread_ts="1.1",
    )


def test_same_selection_same_bytes_with_ancestors_and_metadata(tmp_path):
    store = Store(tmp_path / "d.db")
    assets_dir = tmp_path / "assets"
    first = save(store, assets_dir, 1)
    second = save(store, assets_dir, 2, parent=first["id"])
    a, b = io.BytesIO(), io.BytesIO()
    export.build(store, assets_dir, [second], 0, a)
    export.build(store, assets_dir, [second], 0, b)
    assert a.getvalue() == b.getvalue()
    archive = zipfile.ZipFile(a)
    assert "assets/a1-seed1.png" in archive.namelist(), "the parent comes along"
    with Image.open(io.BytesIO(archive.read("assets/a2-seed2.png"))) as png:
        assert "Seed: 2" in png.text["parameters"]
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in archive.infolist())
    with pytest.raises(export.ExportError, match="over the 10 bytes limit"):
        export.build(store, assets_dir, [second], 10, io.BytesIO())
    with pytest.raises(export.ExportError, match="Nothing matches"):
        export.build(store, assets_dir, [], 0, io.BytesIO())
