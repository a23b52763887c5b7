"""Generation image by image, for pipelines the batched path does not drive (FLUX, SD3).

models/batch.py runs the denoising loop once for many images and decodes SDXL-layout latents
itself; FLUX packs its latents and SD3 shifts them, so for those the pipeline is called once
per seed, each with its own generator, exactly as diffusers documents it.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch
from diffusers import DiffusionPipeline

from models.request import (
    CancelCheck,
    GeneratedImage,
    GenerationCancelled,
    GenerationRequest,
    GenerationResult,
    ProgressCallback,
)
from models.resolve import fit_init, resolve
from models.style import anchor_scale

if TYPE_CHECKING:
    from models.runner import ModelRunner


def img2img_size(pipe: DiffusionPipeline, width: int, height: int) -> dict[str, int]:
    """FLUX's img2img renders at its default 1024² unless told the size (SDXL's takes the
    image's size and has no such arguments)."""
    parameters = inspect.signature(pipe.__call__).parameters
    return {"width": width, "height": height} if "height" in parameters else {}


def generate_one_by_one(
    runner: ModelRunner,
    request: GenerationRequest,
    progress: ProgressCallback | None,
    cancelled: CancelCheck | None,
    on_image: Callable[[int, GeneratedImage], None] | None,
) -> GenerationResult:
    """One pipeline call per seed; the caller holds the runner's lock."""
    from models.defaults import scheduler_name

    started = time.perf_counter()
    tier = runner.family.tier(request.tier)
    steps, guidance, strength = resolve(request, tier)
    style_scale = anchor_scale(request.anchor_image, request.anchor_scale)
    load_s = runner.warm()
    pipe = runner.pipeline(tier.name, image_to_image=request.init_image is not None)
    call: dict[str, Any] = {
        "prompt": request.prompt,
        "negative_prompt": request.negative_prompt or None,
        "num_inference_steps": steps,
        "guidance_scale": guidance,
        "output_type": "pil",
    }
    if "negative_prompt" not in inspect.signature(pipe.__call__).parameters:
        call.pop("negative_prompt")
    if request.init_image is not None:
        call["image"] = fit_init(request.init_image, request.width, request.height)
        call["strength"] = strength
        call.update(img2img_size(pipe, request.width, request.height))
    else:
        call["width"], call["height"] = request.width, request.height
    call.update(runner._wire(pipe, request.anchor_image, style_scale))
    timings = {"load_s": load_s}
    images: list[GeneratedImage] = []
    for index, seed in enumerate(request.seeds):
        if cancelled is not None and cancelled():
            raise GenerationCancelled(f"cancelled after {index} of {len(request.seeds)}")
        image_started = time.perf_counter()
        image = pipe(
            **call,
            generator=torch.Generator(runner.device).manual_seed(seed),
            callback_on_step_end=_step_callback(index, progress, cancelled),
        ).images[0]
        timings[f"image_{index}_s"] = time.perf_counter() - image_started
        images.append(GeneratedImage(image=image, seed=seed))
        if on_image is not None:
            on_image(index, images[-1])
    generation_s = sum(v for k, v in timings.items() if k.startswith("image_"))
    timings["per_image_s"] = generation_s / len(images)
    timings["total_s"] = time.perf_counter() - started
    return GenerationResult(
        images=images,
        model_id=tier.model_id,
        scheduler=scheduler_name(pipe.scheduler),
        steps=steps,
        guidance=guidance,
        strength=strength,
        timings=timings,
        anchor_scale=style_scale,
    )


def _step_callback(
    index: int, progress: ProgressCallback | None, cancelled: CancelCheck | None
) -> Callable[..., dict[str, Any]]:
    """A diffusers callback_on_step_end that reports progress and stops on cancel (raising
    stops at once; ``pipe._interrupt`` would still decode the latents)."""

    def on_step_end(
        pipe: DiffusionPipeline, step: int, timestep: Any, tensors: dict[str, Any]
    ) -> dict[str, Any]:
        if progress is not None:
            progress(index, step + 1, pipe.num_timesteps)
        if cancelled is not None and cancelled():
            raise GenerationCancelled(f"cancelled at step {step + 1} of image {index + 1}")
        return tensors

    return on_step_end
