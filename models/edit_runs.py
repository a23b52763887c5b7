"""The edit paths of a runner: region edits (inpainting), upscaling and video.

They share the runner's loaded family, lock and style-adapter wiring, but each loads its own
pipeline on first use (the inpainting one is derived from the tier's with ``from_pipe``; the
x4 upscaler and the video model share nothing with the image family), so they live apart from
the loading and text-to-image code in models/runner.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from diffusers import AutoPipelineForInpainting, DiffusionPipeline

from models import inpaint as inpainting
from models import upscale as upscaling
from models.defaults import scheduler_name
from models.presets import Family
from models.request import CancelCheck, GeneratedImage, GenerationResult, ProgressCallback
from models.video import VideoRequest, VideoResult, VideoRunner


class EditRuns:
    """Mixed into ModelRunner, which sets these attributes and provides ``pipeline``,
    ``hosted_backend`` and ``_wire`` (the style-adapter state every pipeline call needs)."""

    family: Family
    device: str
    dtype: Any
    max_batch: int
    slice_decode: bool
    _lock: threading.RLock
    _extras: str
    _hub: dict[str, Any]
    _video: VideoRunner | None
    _inpaint: dict[str, DiffusionPipeline]
    _upscaler: DiffusionPipeline | None

    def animate(
        self,
        request: VideoRequest,
        progress: ProgressCallback | None = None,
        cancelled: CancelCheck | None = None,
    ) -> VideoResult:
        """One chunk of video from a keyframe (models/video.py); the video pipeline loads on the
        first call and is kept, under the same lock as the image pipelines."""
        with self._lock:
            if self._video is None:
                self._video = VideoRunner(self._extras, self.device, self.dtype, **self._hub)
            return self._video.animate(request, progress, cancelled)

    def inpaint_pipeline(self, tier: str) -> DiffusionPipeline:
        """The tier's inpainting pipeline, derived once from its text-to-image one (shared
        modules: SDXL's 4-channel UNet inpaints by re-blending the known latents each step)."""
        self.family.tier(tier)
        with self._lock:
            if tier not in self._inpaint:
                pipe = AutoPipelineForInpainting.from_pipe(self.pipeline(tier))
                pipe.set_progress_bar_config(disable=True)
                self._inpaint[tier] = pipe
            return self._inpaint[tier]

    def upscaler(self) -> tuple[DiffusionPipeline, upscaling.UpscalerPreset]:
        """The family's upscaler, loaded on first use (it shares nothing with SDXL: the x4
        model has its own SD 2 text encoder, UNet and VAE)."""
        preset = upscaling.UPSCALERS.get(self._extras)
        if preset is None:
            raise ValueError(f"model family {self.family.name!r} has no upscaler")
        with self._lock:
            if self._upscaler is None:
                self._upscaler = upscaling.load_upscaler(
                    preset, self.family.name, self.device, self.dtype, self._hub
                )
            return self._upscaler, preset

    def describe_inpaint(self, request: inpainting.InpaintRequest) -> GenerationResult:
        """What ``inpaint`` will use (model, scheduler, steps, guidance), without running it."""
        tier = self.family.tier(request.tier)
        if (hosted := self.hosted_backend(tier)) is not None:
            return hosted.describe_inpaint(request, tier)
        steps, guidance, _ = inpainting.check(request, tier)
        pipe = self.inpaint_pipeline(tier.name)
        return GenerationResult(
            images=[],
            model_id=tier.model_id,
            scheduler=scheduler_name(pipe.scheduler),
            steps=steps,
            guidance=guidance,
            strength=request.strength,
        )

    def inpaint(
        self,
        request: inpainting.InpaintRequest,
        progress: ProgressCallback | None = None,
        cancelled: CancelCheck | None = None,
        *,
        on_image: Callable[[int, GeneratedImage], None] | None = None,
    ) -> GenerationResult:
        """Regenerate the masked area, one image per seed; outside the mask the source stays."""
        tier = self.family.tier(request.tier)
        if (hosted := self.hosted_backend(tier)) is not None:
            return hosted.inpaint(request, tier, progress, cancelled, on_image)
        with self._lock:
            pipe = self.inpaint_pipeline(tier.name)
            self._wire(pipe)
            result = inpainting.inpaint(
                pipe,
                request,
                tier,
                self.device,
                max_batch=self.max_batch,
                decoder=pipe.vae,
                slice_decode=self.slice_decode,
                progress=progress,
                cancelled=cancelled,
                on_image=on_image,
            )
            result.scheduler = scheduler_name(pipe.scheduler)
        return result

    def upscale(
        self,
        request: upscaling.UpscaleRequest,
        progress: ProgressCallback | None = None,
        cancelled: CancelCheck | None = None,
    ) -> upscaling.UpscaleResult:
        """The image ×2 or ×4 through the family's upscaler, tile by tile."""
        upscaling.check(request)  # refuse an oversize request before loading anything
        with self._lock:
            pipe, preset = self.upscaler()
            self._wire(pipe)
            result = upscaling.upscale(pipe, preset, request, self.device, progress, cancelled)
            result.scheduler = scheduler_name(pipe.scheduler)
        return result
