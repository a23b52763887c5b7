"""The video tier: intensity -> motion bucket, the tiny SVD pipeline, the real family's wiring."""

import itertools

import numpy as np
import pytest
import torch
from PIL import Image

from models import video
from models.request import GenerationCancelled
from models.tiny_video import build_tiny_video_pipeline
from models.video import VIDEO_PRESETS, VideoRequest, VideoRunner, motion_bucket


def keyframe(width=64, height=64) -> Image.Image:
    x = np.zeros((height, width, 3), np.uint8)
    x[..., 0] = np.linspace(0, 255, width)[None, :]
    x[..., 2] = np.linspace(255, 0, height)[:, None]
    return Image.fromarray(x)


def clip(**changes) -> VideoRequest:
    values = dict(
        image=keyframe(), width=64, height=48, num_frames=6, fps=6, motion=3, seed=11, steps=2
    )
    values.update(changes)
    return VideoRequest(**values)


def test_motion_bucket_is_monotonic_and_spans_svd_range():
    buckets = [motion_bucket(m) for m in range(1, 11)]
    assert buckets[0] == 20 and buckets[-1] == 255
    assert all(a < b for a, b in itertools.pairwise(buckets))
    assert abs(motion_bucket(5) - 127) <= 5, "the middle is close to SVD's default bucket"
    for bad in (0, 11, -3, 2.5, True, "3"):
        with pytest.raises(ValueError, match="from 1 to 10"):
            motion_bucket(bad)


def test_tiny_clip_has_the_frames_and_size_asked_and_records_its_recipe(runner):
    result = runner.animate(clip())
    assert len(result.frames) == 6
    assert all(f.size == (64, 48) and f.mode == "RGB" for f in result.frames)
    assert (result.model_id, result.seed, result.steps, result.fps) == (
        "dailies/tiny-svd",
        11,
        2,
        6,
    )
    assert (result.motion, result.motion_bucket_id) == (3, motion_bucket(3))
    assert result.scheduler == "Euler" and result.noise_aug_strength == 0.02
    assert result.timings["frames_per_s"] > 0


def test_same_seed_same_frames_other_seed_other_frames(runner):
    first = runner.animate(clip()).frames
    again = VideoRunner("tiny", "cpu", torch.float32).animate(clip()).frames
    other = runner.animate(clip(seed=12)).frames
    assert all(
        np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(first, again, strict=True)
    )
    assert not np.array_equal(np.asarray(first[-1]), np.asarray(other[-1]))


def test_video_pipeline_loads_once_per_runner(runner):
    runner.animate(clip(num_frames=2))
    pipe = runner._video.pipeline()
    runner.animate(clip(num_frames=2))
    assert runner._video.pipeline() is pipe


def test_progress_per_step_and_cancel_stops_at_the_step(runner):
    seen = []
    runner.animate(clip(num_frames=2), progress=lambda i, s, n: seen.append((i, s, n)))
    assert seen == [(0, 1, 2), (0, 2, 2)]
    with pytest.raises(GenerationCancelled, match="step 1"):
        runner.animate(clip(num_frames=2), cancelled=iter([False, True]).__next__)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"motion": 11}, "from 1 to 10"),
        ({"num_frames": 26}, "2 to 25 frames"),
        ({"width": 72}, "multiple of 16"),
        ({"steps": 9}, "steps must be from 1 to 8"),
        ({"fps": 0}, "fps must be"),
        ({"seed": -1}, "seed"),
    ],
)
def test_requests_the_tier_cannot_honour_are_refused(runner, changes, message):
    with pytest.raises(ValueError, match=message):
        runner.animate(clip(**changes))


def test_sizes_are_even_multiples_and_hd_is_svds_trained_size():
    svd = VIDEO_PRESETS["sdxl"]
    assert svd.size(16, 9, hd=True) == (1024, 576)
    for preset in VIDEO_PRESETS.values():
        for aspect in ((1, 1), (4, 5), (16, 9), (9, 16)):
            test, hd = preset.size(*aspect, hd=False), preset.size(*aspect, hd=True)
            assert test[0] * test[1] < hd[0] * hd[1]
            assert all(side % preset.multiple == 0 and side % 2 == 0 for side in test + hd)


class SpyPipeline:
    """The tiny SVD pipeline standing in for the download, recording how it is called."""

    def __init__(self):
        self.inner = build_tiny_video_pipeline()
        self.scheduler = self.inner.scheduler
        self.calls = []

    def to(self, device):
        self.inner.to(device)
        return self

    def set_progress_bar_config(self, **kwargs):
        self.inner.set_progress_bar_config(**kwargs)

    def __call__(self, image, **kwargs):
        self.calls.append(kwargs)
        return self.inner(image, **kwargs)


def test_real_family_loads_svd_xt_and_maps_motion_and_memory_settings(monkeypatch):
    loads, spy = [], SpyPipeline()

    def from_pretrained(model_id, **options):
        loads.append((model_id, options))
        return spy

    monkeypatch.setattr(video.StableVideoDiffusionPipeline, "from_pretrained", from_pretrained)
    runner = VideoRunner("sdxl", "cpu", torch.bfloat16, cache_dir="/nowhere")
    runner.pipeline()
    assert loads[0][0] == "stabilityai/stable-video-diffusion-img2vid-xt"
    assert loads[0][1]["variant"] == "fp16" and loads[0][1]["cache_dir"] == "/nowhere"

    runner = VideoRunner("sdxl", "cpu", torch.float32)
    result = runner.animate(clip(width=64, height=64, num_frames=4, motion=7, steps=1, fps=8))
    call = spy.calls[-1]
    assert call["motion_bucket_id"] == motion_bucket(7) and call["fps"] == 8
    assert call["decode_chunk_size"] == 4, "never more than the frames there are"
    assert call["noise_aug_strength"] == 0.02 and call["num_frames"] == 4
    assert result.model_id == "stabilityai/stable-video-diffusion-img2vid-xt"
    assert loads[-1][1]["variant"] is None, "fp32 loads the full-precision files"


def test_svd_xt_decodes_in_chunks_of_eight_at_full_length():
    assert VIDEO_PRESETS["sdxl"].decode_chunk_size == 8
    assert VIDEO_PRESETS["sdxl"].max_frames == 25
