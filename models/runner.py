"""One worker's models: load a family once, then turn requests into images.

Loading an SDXL family takes tens of seconds and ~7 GB of GPU memory, so a runner loads lazily
once and keeps every pipeline it derives (per tier, text-to-image and image-to-image) built on
the same module objects. Pipelines are stateful (scheduler timesteps, interrupt flags), so a
runner serialises its calls: run one runner per device, in one worker thread.
"""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import torch
from diffusers import AutoPipelineForImage2Image, AutoPipelineForInpainting, DiffusionPipeline
from PIL import Image, ImageOps

from models import inpaint as inpainting
from models import lora as loras
from models import upscale as upscaling
from models.backends import HostedOptions
from models.backends.gemini import GeminiBackend
from models.pipelines_loader import load_configured_pipelines
from models.presets import Family, TierPreset, get_family
from models.request import (
    CancelCheck,
    GeneratedImage,
    GenerationCancelled,
    GenerationRequest,
    GenerationResult,
    ProgressCallback,
)
from models.sdxl import load_sdxl_pipelines
from models.style import StyleAdapters, anchor_scale
from models.tiny import load_tiny_pipelines
from models.video import VideoRequest, VideoResult, VideoRunner

Loader = Callable[..., dict[str, DiffusionPipeline]]
# By a family's `loader` (models/families.py): built in code, SDXL's UNet swap, or per tier.
LOADERS: dict[str, Loader] = {
    "tiny": load_tiny_pipelines,
    "sdxl": load_sdxl_pipelines,
    "pipelines": load_configured_pipelines,
}
# By a tier's `backend`, for tiers that run elsewhere (models/backends/).
HOSTED_BACKENDS: dict[str, Callable[[HostedOptions], Any]] = {"gemini": GeminiBackend}

# What people call samplers (the names in A1111/Comfy UIs), recorded on assets.
SCHEDULER_NAMES = {
    "EulerAncestralDiscreteScheduler": "Euler a",
    "EulerDiscreteScheduler": "Euler",
    "DPMSolverMultistepScheduler": "DPM++ 2M",
    "DDIMScheduler": "DDIM",
    "LCMScheduler": "LCM",
    "UniPCMultistepScheduler": "UniPC",
    "FlowMatchEulerDiscreteScheduler": "FlowMatch Euler",
}
MIN_SIDE, MAX_SIDE = 64, 4096  # below: nothing to see; above: hours on a CPU worker, OOM on GPU
MAX_SEED = 2**64 - 1  # torch.Generator.manual_seed's range


def default_device() -> str:
    """The device a worker uses when config names none."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def default_dtype(device: str) -> torch.dtype:
    """Half precision on GPUs (bf16 where supported: SDXL's VAE overflows in fp16), else fp32."""
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def scheduler_name(scheduler: Any) -> str:
    """The human name of a scheduler object, falling back to its class name."""
    cls = type(scheduler).__name__
    return SCHEDULER_NAMES.get(cls, cls)


class ModelRunner:
    """A family's pipelines on one device, loaded once and shared across tiers and modes."""

    def __init__(
        self,
        family: str | Family = "tiny",
        device: str | None = None,
        dtype: torch.dtype | None = None,
        *,
        cache_dir: str | None = None,
        local_files_only: bool | None = None,
        hosted: HostedOptions | None = None,
    ) -> None:
        self.family: Family = get_family(family) if isinstance(family, str) else family
        if self.family.loader not in LOADERS:
            raise ValueError(f"no loader for model family {self.family.name!r}")
        self._hosted_options = hosted or HostedOptions()
        self._backends: dict[str, Any] = {}
        # IP-Adapter, upscaler and video come from a built-in family (`extras`), if any.
        self._extras = self.family.extras or self.family.name
        self.device = device or default_device()
        self.dtype = dtype or default_dtype(self.device)
        self._hub = {"cache_dir": cache_dir, "local_files_only": local_files_only}
        self._lock = threading.RLock()
        self._text2image: dict[str, DiffusionPipeline] | None = None
        self._image2image: dict[str, DiffusionPipeline] = {}
        self._video: VideoRunner | None = None
        self._inpaint: dict[str, DiffusionPipeline] = {}
        self._upscaler: DiffusionPipeline | None = None
        self.load_seconds: float | None = None
        self._style = StyleAdapters(self._extras, self.device, self.dtype, self._hub)

    @property
    def loaded(self) -> bool:
        return self._text2image is not None

    def warm(self) -> float:
        """Load the family now (at worker start) rather than in the first user's request.

        Returns the seconds this call spent loading (0.0 when already loaded).
        """
        with self._lock:
            if self._text2image is not None:
                return 0.0
            started = time.perf_counter()
            loader = LOADERS[self.family.loader]
            self._text2image = loader(self.family, self.device, self.dtype, **self._hub)
            self.load_seconds = time.perf_counter() - started
            return self.load_seconds

    def pipeline(self, tier: str, image_to_image: bool = False) -> DiffusionPipeline:
        """The pipeline for a tier and mode; img2img is derived once, sharing every module."""
        preset = self.family.tier(tier)  # a clear error for unknown tiers
        if preset.hosted:
            raise ValueError(
                f"the {tier} tier of the {self.family.name} models runs on {preset.backend} "
                f"({preset.model_id}), which has no local pipeline for this"
            )
        with self._lock:
            self.warm()
            assert self._text2image is not None
            text2image = self._text2image[tier]
            if not image_to_image:
                return text2image
            if tier not in self._image2image:
                pipe = AutoPipelineForImage2Image.from_pipe(text2image)
                pipe.set_progress_bar_config(disable=True)
                self._image2image[tier] = pipe
            return self._image2image[tier]

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

    def _wire(
        self,
        pipe: DiffusionPipeline,
        anchor: Image.Image | None = None,
        scale: float | None = None,
    ) -> dict[str, Any]:
        """Put the style adapter in the state this call needs, returning its extra arguments.

        Every pipeline a runner derives from a tier shares that tier's UNet, and an anchored call
        leaves it wired for IP-Adapter (it then refuses any call without image embeddings). So
        every path that runs a pipeline must come through here right before it calls, anchored
        or not; callers hold ``self._lock`` so nothing rewires it between this and the call.
        """
        return self._style.prepare(pipe, anchor, scale)

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
                lambda index: _step_callback(index, progress, cancelled),
                progress,
                cancelled,
                on_image,
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

    def describe(self, request: GenerationRequest) -> GenerationResult:
        """What ``generate`` will use for this request (model, scheduler, steps, guidance,
        strength) without running it: callers that save images as they arrive need it first."""
        tier = self.family.tier(request.tier)
        hosted = self.hosted_backend(tier)
        if hosted is not None:
            return hosted.describe(request, tier)
        steps, guidance, strength = _resolve(request, tier)
        pipe = self.pipeline(tier.name, image_to_image=request.init_image is not None)
        return GenerationResult(
            loras=request.loras,
            images=[],
            model_id=tier.model_id,
            scheduler=scheduler_name(pipe.scheduler),
            steps=steps,
            guidance=guidance,
            strength=strength,
            anchor_scale=anchor_scale(request.anchor_image, request.anchor_scale),
        )

    def generate(
        self,
        request: GenerationRequest,
        progress: ProgressCallback | None = None,
        cancelled: CancelCheck | None = None,
        *,
        on_image: Callable[[int, GeneratedImage], None] | None = None,
    ) -> GenerationResult:
        """One image per seed, each from its own generator so any variant can be replayed alone.

        `on_image(index, image)` is called as each image is done, so a caller can save it before
        a later cancel or crash loses the batch. Raises ValueError for a request the tier cannot
        honour, GenerationCancelled when `cancelled()` turns true (checked before each image and
        after each step), and ModelUnavailable when the family cannot be loaded.
        """
        tier = self.family.tier(request.tier)
        hosted = self.hosted_backend(tier)
        if hosted is not None:
            # LoRAs are weights for local pipelines: a hosted tier runs (and records) none.
            request = replace(request, loras=())
            return hosted.generate(request, tier, progress, cancelled, on_image=on_image)
        if request.loras:
            return self._generate_with_loras(request, progress, cancelled, on_image)
        started = time.perf_counter()
        steps, guidance, strength = _resolve(request, tier)
        style_scale = anchor_scale(request.anchor_image, request.anchor_scale)
        with self._lock:
            load_s = self.warm()
            pipe = self.pipeline(tier.name, image_to_image=request.init_image is not None)
            call: dict[str, Any] = {
                "prompt": request.prompt,
                # None, not "": SDXL then uses zero embeddings, as it was trained to.
                "negative_prompt": request.negative_prompt or None,
                "num_inference_steps": steps,
                "guidance_scale": guidance,
                "output_type": "pil",
            }
            if request.init_image is not None:
                call["image"] = _fit(request.init_image, request.width, request.height)
                call["strength"] = strength
                call.update(_img2img_size(pipe, request.width, request.height))
            else:
                call["width"], call["height"] = request.width, request.height
            call.update(self._wire(pipe, request.anchor_image, style_scale))

            timings = {"load_s": load_s}
            images: list[GeneratedImage] = []
            for index, seed in enumerate(request.seeds):
                if cancelled is not None and cancelled():
                    raise GenerationCancelled(f"cancelled after {index} of {len(request.seeds)}")
                image_started = time.perf_counter()
                image = pipe(
                    **call,
                    generator=torch.Generator(self.device).manual_seed(seed),
                    callback_on_step_end=_step_callback(index, progress, cancelled),
                ).images[0]
                timings[f"image_{index}_s"] = time.perf_counter() - image_started
                images.append(GeneratedImage(image=image, seed=seed))
                if on_image is not None:
                    on_image(index, images[-1])
            scheduler = scheduler_name(pipe.scheduler)

        generation_s = sum(v for k, v in timings.items() if k.startswith("image_"))
        timings["per_image_s"] = generation_s / len(images)
        timings["total_s"] = time.perf_counter() - started
        return GenerationResult(
            images=images,
            model_id=tier.model_id,
            scheduler=scheduler,
            steps=steps,
            guidance=guidance,
            strength=strength,
            timings=timings,
            anchor_scale=style_scale,
        )

    def hosted_backend(self, tier: TierPreset) -> Any:
        """The backend object of a hosted tier (made once per runner), None for local tiers."""
        if not tier.hosted:
            return None
        with self._lock:
            if tier.backend not in self._backends:
                self._backends[tier.backend] = HOSTED_BACKENDS[tier.backend](self._hosted_options)
            return self._backends[tier.backend]

    def _generate_with_loras(
        self,
        request: GenerationRequest,
        progress: ProgressCallback | None,
        cancelled: CancelCheck | None,
        on_image: Callable[[int, GeneratedImage], None] | None,
    ) -> GenerationResult:
        """``generate`` with the request's LoRAs loaded on the tier's modules for this call only
        (models/lora.py); every pipeline derived from the tier shares them while loaded."""
        with self._lock:
            self.warm()
            pipe = self.pipeline(request.tier, image_to_image=request.init_image is not None)
            with loras.applied(pipe, request.loras):
                result = self.generate(
                    replace(request, loras=()), progress, cancelled, on_image=on_image
                )
        result.loras = request.loras
        return result


def _resolve(request: GenerationRequest, tier: TierPreset) -> tuple[int, float, float | None]:
    """Steps, guidance and strength to use, or a ValueError a person can read."""
    if not request.seeds:
        raise ValueError("a request needs at least one seed (one image per seed)")
    bad_seeds = [s for s in request.seeds if not 0 <= s <= MAX_SEED]
    if bad_seeds:
        raise ValueError(f"seeds must be between 0 and 2**64-1, got {bad_seeds}")
    for name, side in (("width", request.width), ("height", request.height)):
        if side % 8 or not MIN_SIDE <= side <= MAX_SIDE:
            raise ValueError(
                f"{name} must be a multiple of 8 between {MIN_SIDE} and {MAX_SIDE}, got {side}"
            )
    steps = tier.default_steps if request.steps is None else request.steps
    if not 1 <= steps <= tier.max_steps:
        raise ValueError(
            f"steps must be between 1 and {tier.max_steps} for the {tier.name} tier "
            f"({tier.model_id}), got {steps}"
        )
    guidance = tier.guidance if request.guidance is None else float(request.guidance)
    if not 0.0 <= guidance <= 30.0:
        raise ValueError(f"guidance must be between 0 and 30, got {guidance}")
    if request.init_image is None:
        if request.strength is not None:
            raise ValueError("strength applies only to image-to-image: give an init image")
        return steps, guidance, None
    strength = tier.default_strength if request.strength is None else float(request.strength)
    if not 0.0 < strength <= 1.0:
        raise ValueError(f"strength must be in (0, 1], got {strength}")
    if _img2img_steps(steps, strength) < 1:
        raise ValueError(
            f"image-to-image runs int(steps x strength) steps, and {steps} x {strength} "
            "rounds down to 0: raise steps or strength"
        )
    return steps, guidance, strength


def _img2img_steps(steps: int, strength: float) -> int:
    # The same arithmetic as diffusers' StableDiffusionXLImg2ImgPipeline.get_timesteps.
    return min(int(steps * strength), steps)


def _img2img_size(pipe: DiffusionPipeline, width: int, height: int) -> dict[str, int]:
    """FLUX's img2img renders at its default 1024² unless told the size (SDXL's takes the
    image's size and has no such arguments)."""
    parameters = inspect.signature(pipe.__call__).parameters
    return {"width": width, "height": height} if "height" in parameters else {}


def _fit(image: Image.Image, width: int, height: int) -> Image.Image:
    """The init image at the generation size: scaled and centre-cropped, never stretched."""
    image = image.convert("RGB")
    if image.size == (width, height):
        return image
    return ImageOps.fit(image, (width, height), Image.Resampling.LANCZOS)


def _step_callback(
    index: int, progress: ProgressCallback | None, cancelled: CancelCheck | None
) -> Callable[..., dict[str, Any]]:
    """A diffusers callback_on_step_end that reports progress and stops on cancel.

    Raising here stops at once. Setting `pipe._interrupt` instead would skip the remaining
    steps but still decode the latents with the VAE (diffusers 0.42 `continue`s the loop),
    which is wasted work on a cancelled job.
    """

    def on_step_end(
        pipe: DiffusionPipeline, step: int, timestep: Any, tensors: dict[str, Any]
    ) -> dict[str, Any]:
        if progress is not None:
            # num_timesteps is the real count: img2img runs only int(steps x strength).
            progress(index, step + 1, pipe.num_timesteps)
        if cancelled is not None and cancelled():
            raise GenerationCancelled(f"cancelled at step {step + 1} of image {index + 1}")
        return tensors

    return on_step_end
