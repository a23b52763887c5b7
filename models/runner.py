"""One worker's models: load a family once, then turn requests into images.

Loading an SDXL family takes tens of seconds and ~12.1 GB of GPU memory in bf16 (two 2.57B-param
UNets, base and Turbo, plus the shared text encoders and VAE), so a runner loads lazily
once and keeps every pipeline it derives (per tier, text-to-image and image-to-image) built on
the same module objects. Pipelines are stateful (scheduler timesteps, interrupt flags), so a
runner serialises its calls: run one runner per device, in one worker thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import torch
from diffusers import AutoPipelineForImage2Image, DiffusionPipeline
from PIL import Image

from models import batch as batching
from models import lora as loras
from models import speed
from models.backends import HostedOptions
from models.backends.gemini import GeminiBackend
from models.decoders import VAE, Decoders, check_decoder
from models.defaults import default_device, default_dtype, scheduler_name
from models.edit_runs import EditRuns
from models.pipelines_loader import load_configured_pipelines
from models.presets import DRAFT, Family, TierPreset, get_family
from models.request import (
    CancelCheck,
    GeneratedImage,
    GenerationCancelled,
    GenerationRequest,
    GenerationResult,
    ProgressCallback,
)
from models.resolve import batch_key, fit_init, resolve
from models.sdxl import load_sdxl_pipelines
from models.style import StyleAdapters, anchor_scale
from models.tiny import load_tiny_pipelines
from models.unbatched import generate_one_by_one
from models.video import VideoRunner

Loader = Callable[..., dict[str, DiffusionPipeline]]
# By a family's `loader` (models/families.py): built in code, SDXL's UNet swap, or per tier.
LOADERS: dict[str, Loader] = {
    "tiny": load_tiny_pipelines,
    "sdxl": load_sdxl_pipelines,
    "pipelines": load_configured_pipelines,
}
# By a tier's `backend`, for tiers that run elsewhere (models/backends/).
HOSTED_BACKENDS: dict[str, Callable[[HostedOptions], Any]] = {"gemini": GeminiBackend}

# Images per pipeline call: --n tops out at 8, so one job's variants always share one call.
DEFAULT_MAX_BATCH = 8


class ModelRunner(EditRuns):
    """A family's pipelines on one device, loaded once and shared across tiers and modes."""

    def __init__(
        self,
        family: str | Family = "tiny",
        device: str | None = None,
        dtype: torch.dtype | None = None,
        *,
        cache_dir: str | None = None,
        local_files_only: bool | None = None,
        max_batch: int = 0,
        draft_decoder: str = VAE,
        slice_decode: bool | None = None,
        compile: bool = False,
        channels_last: bool = False,
        hosted: HostedOptions | None = None,
    ) -> None:
        """``max_batch`` images per pipeline call (0: DEFAULT_MAX_BATCH); ``draft_decoder``
        ``vae`` or ``taesd`` for the draft tier; ``slice_decode`` decodes image by image (None:
        on CPU, where it is faster; GPUs decode the whole batch at once); ``compile`` and
        ``channels_last``: models/speed.py, applied when the family loads (compiled modules
        are warmed there, at each tier's native size)."""
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
        if max_batch < 0:
            raise ValueError(f"max batch must be 0 (default) or more, got {max_batch}")
        self.max_batch = max_batch or DEFAULT_MAX_BATCH
        self.draft_decoder = check_decoder(draft_decoder)
        on_gpu = self.device.startswith("cuda")
        self.slice_decode = not on_gpu if slice_decode is None else slice_decode
        self._decoders = Decoders(self.family.name, self.device, self.dtype, self._hub)
        self.compile, self.channels_last = compile, channels_last
        self.compile_seconds = 0.0

    def use_fast_decoder(self, module: torch.nn.Module, model_id: str) -> None:
        """Decode drafts with this AutoencoderTiny when the draft decoder is ``taesd``, instead
        of loading the family's (benchmarks build one from its published config)."""
        self._decoders.provide(module, model_id)

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
            if self.compile or self.channels_last:
                self._speed_up()
            return self.load_seconds

    def _speed_up(self) -> None:
        """channels_last / torch.compile on the loaded modules, then one small call per tier
        at its native size (batch 1 and a full batch), so the first person does not wait for
        compilation."""
        assert self._text2image is not None
        pipes = list(self._text2image.values())
        modules = speed.unique_modules(pipes, ("unet", "vae"))
        if self.draft_decoder != VAE:
            modules.append(self._decoders.taesd())
        speed.apply(modules, channels_last=self.channels_last, compile=self.compile)
        if not self.compile:
            return
        started = time.perf_counter()
        for tier in self.family.tiers.values():
            for count in sorted({1, min(4, self.max_batch)}):
                side = tier.native_side
                request = GenerationRequest(
                    tier.name, "warm-up", side, side, tuple(range(count)), steps=1
                )
                self.generate(request)
        self.compile_seconds = time.perf_counter() - started

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

    def describe(self, request: GenerationRequest) -> GenerationResult:
        """What ``generate`` will use for this request (model, scheduler, steps, guidance,
        strength) without running it: callers that save images as they arrive need it first."""
        tier = self.family.tier(request.tier)
        hosted = self.hosted_backend(tier)
        if hosted is not None:
            return hosted.describe(request, tier)
        steps, guidance, strength = resolve(request, tier)
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
            decoder=self._decoders.model_id(self.draft_decoder if tier.name == DRAFT else VAE),
        )

    def generate(
        self,
        request: GenerationRequest,
        progress: ProgressCallback | None = None,
        cancelled: CancelCheck | None = None,
        *,
        on_image: Callable[[int, GeneratedImage], None] | None = None,
    ) -> GenerationResult:
        """One image per seed, all in one batched call (chunks above ``max_batch``), each from
        its own generator so any variant can be replayed alone.

        `on_image(index, image)` is called as each image is decoded, so a caller can save it
        before a later cancel or crash loses the batch. Raises ValueError for a request the tier
        cannot honour, GenerationCancelled when `cancelled()` turns true (checked before each
        chunk and after each step; images of finished chunks were already handed over), and
        ModelUnavailable when the family cannot be loaded.
        """
        tier = self.family.tier(request.tier)
        hosted = self.hosted_backend(tier)
        if hosted is not None:
            # LoRAs are weights for local pipelines: a hosted tier runs (and records) none.
            request = replace(request, loras=())
            return hosted.generate(request, tier, progress, cancelled, on_image=on_image)
        if request.loras:
            return self._generate_with_loras(request, progress, cancelled, on_image)
        outcome = self.generate_many([batching.Member.of(request, progress, cancelled, on_image)])
        result = outcome[0]
        if isinstance(result, GenerationCancelled):
            raise result
        return result

    def generate_many(
        self, members: Sequence[batching.Member]
    ) -> list[GenerationResult | GenerationCancelled]:
        """Several compatible requests (same tier, size, steps, guidance, strength, style
        anchor) as one UNet batch, each with its own prompt, seeds, progress, cancel and
        results: the bot's cross-request batching. Members are made with ``Member.of``; one
        result, or a GenerationCancelled, per member, in order.
        """
        requests = [m.request for m in members if m.request is not None]
        if not requests or len(requests) != len(members):
            raise ValueError("generate_many needs members made from requests (Member.of)")
        started = time.perf_counter()
        first = requests[0]
        tier = self.family.tier(first.tier)
        if not self.batches(tier.name, first.init_image is not None):
            return [self._alone(member) for member in members]
        resolved = [resolve(r, tier) for r in requests]
        steps, guidance, strength = resolved[0]
        style_scale = anchor_scale(first.anchor_image, first.anchor_scale)
        for request, used in zip(requests, resolved, strict=True):
            if batch_key(request, used) != batch_key(first, resolved[0]) or (
                request.anchor_image is not first.anchor_image
            ):
                raise ValueError(
                    "requests in one batch must share tier, size, steps, guidance, strength "
                    "and style anchor"
                )
        decoder = self.draft_decoder if tier.name == DRAFT else VAE
        with self._lock:
            load_s = self.warm()
            pipe = self.pipeline(tier.name, image_to_image=first.init_image is not None)
            call: dict[str, Any] = {"num_inference_steps": steps, "guidance_scale": guidance}
            for member, request in zip(members, requests, strict=True):
                if request.init_image is not None:
                    member.images["image"] = fit_init(
                        request.init_image, request.width, request.height
                    )
            if first.init_image is not None:
                call["strength"] = strength
            else:
                call["width"], call["height"] = first.width, first.height
            call.update(self._wire(pipe, first.anchor_image, style_scale))
            batching.run(
                pipe,
                members,
                call,
                device=self.device,
                guidance=guidance,
                max_batch=self.max_batch,
                decoder=self._decoders.module(decoder, pipe),
                slice_decode=self.slice_decode,
            )
            scheduler = scheduler_name(pipe.scheduler)
        total_s = time.perf_counter() - started
        outcomes: list[GenerationResult | GenerationCancelled] = []
        for member in members:
            done = len(member.results)
            if member.stopped:
                outcomes.append(
                    GenerationCancelled(f"cancelled after {done} of {len(member.seeds)}")
                )
                continue
            timings = {"load_s": load_s, **member.timings, "total_s": total_s}
            timings["per_image_s"] = total_s / max(1, done)
            outcomes.append(
                GenerationResult(
                    images=member.results,
                    model_id=tier.model_id,
                    scheduler=scheduler,
                    steps=steps,
                    guidance=guidance,
                    strength=strength,
                    timings=timings,
                    anchor_scale=style_scale,
                    decoder=self._decoders.model_id(decoder),
                )
            )
        return outcomes

    def batches(self, tier: str, image_to_image: bool = False) -> bool:
        """Whether the tier's pipeline runs through the batched path (models/batch.py decodes
        SDXL-layout latents itself); FLUX and SD3 pipelines run image by image."""
        pipe = self.pipeline(tier, image_to_image=image_to_image)
        return type(pipe).__name__.startswith("StableDiffusionXL")

    def _alone(self, member: batching.Member) -> GenerationResult | GenerationCancelled:
        """One member of a batch on a pipeline that does not batch (see ``batches``)."""
        assert member.request is not None
        with self._lock:
            try:
                return generate_one_by_one(
                    self, member.request, member.progress, member.cancelled, member.on_image
                )
            except GenerationCancelled as stopped:
                return stopped

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
