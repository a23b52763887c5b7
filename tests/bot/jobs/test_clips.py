"""Clip jobs without Slack: seams, HD replays, extension limits, all through the real executor."""

import json

import numpy as np
import pytest
from PIL import Image

from bot.jobs import rows as jobs
from bot.jobs.clip_options import AnimateOptions
from bot.jobs.clips import (
    ANIMATE,
    ANIMATE_EXTEND,
    ANIMATE_HD,
    ClipRefused,
    animate_params,
    clip_recipe,
    extend_params,
    hd_params,
    run_clip_job,
)
from bot.media.video import decode_mp4, png_bytes
from bot.store.assets import asset_path, write_content_addressed
from bot.store.database import Store
from models.runner import ModelRunner
from models.video import VIDEO_PRESETS

PRESET = VIDEO_PRESETS["tiny"]


class SpyRunner:
    """The tiny runner, recording every chunk request (its keyframe included)."""

    def __init__(self, inner):
        self.inner, self.requests = inner, []

    def animate(self, request, progress=None, cancelled=None):
        self.requests.append(request)
        return self.inner.animate(request, progress=progress, cancelled=cancelled)


@pytest.fixture(scope="module")
def runner():
    return ModelRunner("tiny", device="cpu")


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "db.sqlite")


@pytest.fixture
def keyframe(store, tmp_path):
    x = np.zeros((80, 64, 3), np.uint8)
    x[..., 1] = np.linspace(0, 255, 64)[None, :]
    data = png_bytes(Image.fromarray(x))
    digest, relative = write_content_addressed(tmp_path / "assets", data, ".png")
    job = jobs.create_job(store, "draft", {"prompt": "p"}, user_id="U1", channel_id="C1")
    row = {
        "sha256": digest,
        "path": relative,
        "media_type": "image/png",
        "job_id": job.id,
        "variant": 1,
        "seed": 5,
        "width": 64,
        "height": 80,
        "prompt": "a lantern",
        "channel_id": "C1",
        "thread_ts": "1.0",
    }
    with store.write() as db:
        row["id"] = db["assets"].insert(row).last_pk
    return row


def run(store, tmp_path, runner, kind, params):
    job = jobs.create_job(store, kind, params, user_id="U1", channel_id="C1", thread_ts="1.0")
    steps = []
    out = run_clip_job(
        job, runner, store, tmp_path / "assets", lambda *a: steps.append(a), lambda: False
    )
    return out, steps


def frames_of(tmp_path, clip):
    return decode_mp4(asset_path(tmp_path / "assets", clip))


def test_test_clips_then_extend_joins_at_the_last_frame(store, tmp_path, keyframe, runner):
    spy = SpyRunner(runner)
    options = AnimateOptions(motion=3, duration_s=2, fps=4, count=2)
    clips, steps = run(store, tmp_path, spy, ANIMATE, animate_params(keyframe, options, PRESET, 9))
    assert [c["seed"] for c in clips] == [9, 10] and steps[-1] == (1, 2, 2)
    first = clips[0]
    assert (first["width"], first["height"], first["frames"], first["fps"]) == (64, 80, 8, 4.0)
    assert first["parent_id"] == keyframe["id"] and first["media_type"] == "video/mp4"

    spy.requests.clear()
    (extended,), _ = run(store, tmp_path, spy, ANIMATE_EXTEND, extend_params(first, 4))
    last_frame = Image.open(tmp_path / "assets" / clip_recipe(first)["last_frame_path"])
    fed = spy.requests[0]
    assert np.array_equal(np.asarray(fed.image), np.asarray(last_frame.convert("RGB")))
    assert (fed.seed, fed.motion, fed.fps, fed.num_frames) == (10, 3, 4, 8)
    assert extended["frames"] == 8 + 8 - 1, "the seam frame is not shown twice"
    info, joined = frames_of(tmp_path, extended)
    _, before = frames_of(tmp_path, first)
    assert info.frames == 15 and info.duration_s == pytest.approx(15 / 4, abs=0.1)
    for a, b in zip(before, joined[:8], strict=True):
        assert np.abs(np.asarray(a, float) - np.asarray(b, float)).mean() < 4
    recipe = clip_recipe(extended)
    assert extended["parent_id"] == first["id"] and recipe["extends_asset_id"] == first["id"]
    assert recipe["chunk_seeds"] == [9, 10]


def test_render_hd_replays_every_chunk_seed_at_full_size(store, tmp_path, keyframe, runner):
    spy = SpyRunner(runner)
    options = AnimateOptions(motion=7, duration_s=2, fps=3, count=1)
    (clip,), _ = run(store, tmp_path, spy, ANIMATE, animate_params(keyframe, options, PRESET, 40))
    (longer,), _ = run(store, tmp_path, spy, ANIMATE_EXTEND, extend_params(clip, 4))
    spy.requests.clear()
    (hd,), steps = run(store, tmp_path, spy, ANIMATE_HD, hd_params(store, longer, PRESET))
    assert [r.seed for r in spy.requests] == [40, 41]
    assert (hd["seed"], hd["motion"], hd["frames"]) == (40, 7, 6 + 6 - 1)
    assert (hd["width"], hd["height"]) == PRESET.size(64, 80, hd=True) != (64, 80)
    assert spy.requests[1].image is not spy.requests[0].image
    assert [s[0] for s in steps] == [0, 0, 1, 1], "progress counts both chunks"
    assert hd["parent_id"] == longer["id"] and clip_recipe(hd)["size"] == "hd"
    with pytest.raises(ClipRefused, match="already HD"):
        hd_params(store, hd, PRESET)


def test_extension_limit_is_refused_with_the_count(store, tmp_path, keyframe, runner):
    options = AnimateOptions(motion=2, duration_s=2, fps=1, count=1)
    (clip,), _ = run(store, tmp_path, runner, ANIMATE, animate_params(keyframe, options, PRESET))
    (once,), _ = run(store, tmp_path, runner, ANIMATE_EXTEND, extend_params(clip, 1))
    with pytest.raises(ClipRefused, match="extended 1 time already, the limit is 1"):
        extend_params(once, 1)
    assert json.loads(once["video"])["chunk_seeds"][1] == clip["seed"] + 1
