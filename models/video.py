"""Image-to-video: one chunk of frames from a keyframe, with a motion intensity a person can pick.

A family's video tier is a Stable Video Diffusion pipeline (real weights for `sdxl`, random ones
for `tiny`). Its modules (CLIP image encoder, temporal VAE decoder, spatio-temporal UNet) share
nothing with the SDXL text-to-image pipelines, so it is loaded on its own, lazily, once per runner:
workers that never animate never pay for it.

People think of motion on a 1-10 scale (product shots 2-4, atmosphere 6-8, character close-ups 3
or less); SVD is conditioned on a `motion_bucket_id` of 1-255. `motion_bucket` maps one onto the
other linearly from 20 to 255 (1 -> 20, 5 -> 124, close to SVD's default of 127, 10 -> 255):
buckets below ~20 barely move at all, so the scale starts where motion becomes visible.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from diffusers import DiffusionPipeline, StableVideoDiffusionPipeline
from PIL import Image, ImageOps

from models.hub import hub_options, load
from models.presets import size_for_aspect
from models.request import CancelCheck, GenerationCancelled, ProgressCallback
from models.tiny_video import load_tiny_video_pipeline

MIN_MOTION, MAX_MOTION = 1, 10
MIN_BUCKET, MAX_BUCKET = 20, 255
MAX_SEED = 2**64 - 1
MAX_FPS = 30


def motion_bucket(intensity: int) -> int:
    """SVD's motion_bucket_id for a 1-10 intensity (linear, 1 -> 20 ... 10 -> 255)."""
    if isinstance(intensity, bool) or not isinstance(intensity, int):
        raise ValueError(f"motion intensity must be a whole number from 1 to 10, got {intensity!r}")
    if not MIN_MOTION <= intensity <= MAX_MOTION:
        raise ValueError(f"motion intensity must be from 1 to 10, got {intensity}")
    span = (MAX_BUCKET - MIN_BUCKET) / (MAX_MOTION - MIN_MOTION)
    return round(MIN_BUCKET + (intensity - MIN_MOTION) * span)


@dataclass(frozen=True)
class VideoPreset:
    """A family's video tier: defaults, limits, and the two sizes clips render at.

    Test clips are cheap previews at `test_side`; Render HD re-runs a chosen clip's seed at
    `hd_side` (the side of the square with the model's trained pixel count: 768 -> 1024x576 at
    16:9 for SVD-xt). Sides are multiples of `multiple` (the UNet's latent must halve cleanly at
    each level), which also keeps them even, as H.264 in yuv420p requires.
    """

    model_id: str
    licence: str
    test_side: int
    hd_side: int
    multiple: int
    max_frames: int  # per chunk: memory grows with frames, and the model was trained on this many
    default_steps: int
    max_steps: int
    noise_aug_strength: float = 0.02
    min_guidance: float = 1.0
    max_guidance: float = 3.0
    decode_chunk_size: int | None = None  # frames decoded at once; None decodes all together

    def size(self, aspect_w: int, aspect_h: int, hd: bool) -> tuple[int, int]:
        """(width, height) for a keyframe of this aspect, at test or HD size."""
        side = self.hd_side if hd else self.test_side
        return size_for_aspect(side, aspect_w, aspect_h, multiple=self.multiple)


VIDEO_PRESETS: dict[str, VideoPreset] = {
    "tiny": VideoPreset(
        model_id="dailies/tiny-svd",
        licence="Apache-2.0 (random weights built in code)",
        test_side=64,
        hd_side=128,
        multiple=16,  # VAE factor 8 x one UNet downsampling
        max_frames=25,
        default_steps=2,
        max_steps=8,
        # No classifier-free guidance: it doubles the UNet batch, and random weights gain nothing
        # from it. The sdxl preset's guidance path is tested with these modules standing in.
        max_guidance=1.0,
    ),
    "sdxl": VideoPreset(
        model_id="stabilityai/stable-video-diffusion-img2vid-xt",
        # Model card metadata: license stable-video-diffusion-community (Stability AI Community
        # License: free below USD 1M annual revenue, an enterprise licence above).
        licence="Stability AI Community License",
        test_side=512,
        hd_side=768,
        multiple=64,  # VAE factor 8 x three UNet downsamplings
        max_frames=25,  # SVD-xt was trained on 25-frame clips
        default_steps=25,
        max_steps=50,
        decode_chunk_size=8,  # the temporal decoder on 25 HD frames at once needs ~20 GB more
    ),
}


def video_preset(family: str) -> VideoPreset:
    """The family's video tier, or a ValueError a person can read (it comes from config)."""
    try:
        return VIDEO_PRESETS[family]
    except KeyError:
        known = ", ".join(sorted(VIDEO_PRESETS))
        raise ValueError(
            f"model family {family!r} has no video tier; families with one: {known}"
        ) from None


@dataclass(frozen=True)
class VideoRequest:
    """One chunk of video from one keyframe and one seed.

    `image` is fitted (scaled and centre-cropped, never stretched) to width x height. The first
    frame the model makes is its version of the keyframe, so a chunk that continues another
    (keyframe = the previous chunk's last frame) repeats that frame once.
    """

    image: Image.Image = field(compare=False)
    width: int
    height: int
    num_frames: int
    fps: int
    motion: int
    seed: int
    steps: int | None = None  # None: the preset's default
    noise_aug_strength: float | None = None  # None: the preset's default
    decode_chunk_size: int | None = None  # None: the preset's default


@dataclass
class VideoResult:
    """Frames plus every parameter that was actually used, for the asset rows."""

    frames: list[Image.Image]
    seed: int
    model_id: str
    steps: int
    fps: int
    motion: int
    motion_bucket_id: int
    noise_aug_strength: float
    scheduler: str = ""
    timings: dict[str, float] = field(default_factory=dict)


def resolve(request: VideoRequest, preset: VideoPreset) -> tuple[int, float, int]:
    """(steps, noise_aug_strength, motion_bucket_id), or a ValueError a person can read."""
    bucket = motion_bucket(request.motion)
    if not 0 <= request.seed <= MAX_SEED:
        raise ValueError(f"seed must be between 0 and 2**64-1, got {request.seed}")
    for name, side in (("width", request.width), ("height", request.height)):
        if side % preset.multiple or not preset.multiple <= side <= 4096:
            raise ValueError(
                f"{name} must be a multiple of {preset.multiple} up to 4096, got {side}"
            )
    if not 2 <= request.num_frames <= preset.max_frames:
        raise ValueError(
            f"a chunk has 2 to {preset.max_frames} frames for {preset.model_id}, "
            f"got {request.num_frames}"
        )
    if not 1 <= request.fps <= MAX_FPS:
        raise ValueError(f"fps must be from 1 to {MAX_FPS}, got {request.fps}")
    steps = preset.default_steps if request.steps is None else request.steps
    if not 1 <= steps <= preset.max_steps:
        raise ValueError(f"steps must be from 1 to {preset.max_steps}, got {steps}")
    noise = (
        preset.noise_aug_strength
        if request.noise_aug_strength is None
        else float(request.noise_aug_strength)
    )
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise_aug_strength must be from 0 to 1, got {noise}")
    return steps, noise, bucket


def _fit(image: Image.Image, width: int, height: int) -> Image.Image:
    image = image.convert("RGB")
    if image.size == (width, height):
        return image
    return ImageOps.fit(image, (width, height), Image.Resampling.LANCZOS)


def load_svd_pipeline(
    model_id: str,
    device: str,
    dtype: torch.dtype,
    cache_dir: str | None = None,
    local_files_only: bool | None = None,
) -> StableVideoDiffusionPipeline:
    """SVD from the Hub (or cache); raises ModelUnavailable naming the model."""
    from models.sdxl import _DTYPE_KWARG  # the installed diffusers' name for the dtype argument

    options = {
        **hub_options(cache_dir, local_files_only),
        _DTYPE_KWARG: dtype,
        "variant": "fp16" if dtype in (torch.float16, torch.bfloat16) else None,
        "use_safetensors": True,
    }
    pipe = load(model_id, StableVideoDiffusionPipeline.from_pretrained, **options)
    pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    return pipe


VideoLoader = Callable[..., DiffusionPipeline]
VIDEO_LOADERS: dict[str, VideoLoader] = {
    "tiny": load_tiny_video_pipeline,
    "sdxl": load_svd_pipeline,
}


class VideoRunner:
    """A family's video pipeline on one device, loaded on first use and kept.

    Not thread-safe on its own: ModelRunner holds one and serialises calls with its lock.
    """

    def __init__(
        self,
        family: str,
        device: str,
        dtype: torch.dtype,
        *,
        cache_dir: str | None = None,
        local_files_only: bool | None = None,
    ) -> None:
        self.preset = video_preset(family)
        self.family = family
        self.device = device
        self.dtype = dtype
        self._hub = {"cache_dir": cache_dir, "local_files_only": local_files_only}
        self._pipe: DiffusionPipeline | None = None
        self.load_seconds: float | None = None

    def pipeline(self) -> DiffusionPipeline:
        if self._pipe is None:
            started = time.perf_counter()
            loader = VIDEO_LOADERS[self.family]
            self._pipe = loader(self.preset.model_id, self.device, self.dtype, **self._hub)
            self.load_seconds = time.perf_counter() - started
        return self._pipe

    def animate(
        self,
        request: VideoRequest,
        progress: ProgressCallback | None = None,
        cancelled: CancelCheck | None = None,
    ) -> VideoResult:
        """Frames for one chunk; raises ValueError for a request the tier cannot honour and
        GenerationCancelled when `cancelled()` turns true (checked after every step)."""
        started = time.perf_counter()
        steps, noise, bucket = resolve(request, self.preset)
        load_s = 0.0 if self._pipe is not None else None
        pipe = self.pipeline()
        if load_s is None:
            load_s = self.load_seconds or 0.0
        if cancelled is not None and cancelled():
            raise GenerationCancelled("cancelled before the clip started")

        def on_step_end(
            pipe: DiffusionPipeline, step: int, timestep: Any, tensors: dict[str, Any]
        ) -> dict[str, Any]:
            if progress is not None:
                progress(0, step + 1, pipe.num_timesteps)
            if cancelled is not None and cancelled():
                raise GenerationCancelled(f"cancelled at step {step + 1}")
            return tensors

        decode_chunk = request.decode_chunk_size or self.preset.decode_chunk_size
        clip_started = time.perf_counter()
        frames = pipe(
            _fit(request.image, request.width, request.height),
            width=request.width,
            height=request.height,
            num_frames=request.num_frames,
            num_inference_steps=steps,
            min_guidance_scale=self.preset.min_guidance,
            max_guidance_scale=self.preset.max_guidance,
            fps=request.fps,
            motion_bucket_id=bucket,
            noise_aug_strength=noise,
            decode_chunk_size=min(decode_chunk or request.num_frames, request.num_frames),
            generator=torch.Generator(self.device).manual_seed(request.seed),
            callback_on_step_end=on_step_end,
            output_type="pil",
        ).frames[0]
        clip_s = time.perf_counter() - clip_started
        from models.defaults import scheduler_name

        return VideoResult(
            frames=list(frames),
            seed=request.seed,
            model_id=self.preset.model_id,
            steps=steps,
            fps=request.fps,
            motion=request.motion,
            motion_bucket_id=bucket,
            noise_aug_strength=noise,
            scheduler=scheduler_name(pipe.scheduler),
            timings={
                "load_s": load_s,
                "clip_s": clip_s,
                "frames_per_s": len(frames) / clip_s if clip_s else 0.0,
                "total_s": time.perf_counter() - started,
            },
        )
