"""Inpainting and outpainting with a family's own pipelines.

The inpainting pipeline is derived from the tier's text-to-image pipeline with
``AutoPipelineForInpainting.from_pipe`` (every module shared, nothing loaded twice). SDXL's
4-channel UNet inpaints by blending the known latents back at every step; the result is then
composited over the source through the soft mask, so the kept area is the source's exact pixels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from diffusers import DiffusionPipeline
from PIL import Image

from models import batch as batching
from models.masks import composite, generation_mask
from models.presets import TierPreset
from models.request import (
    CancelCheck,
    GeneratedImage,
    GenerationCancelled,
    GenerationResult,
    ProgressCallback,
)


@dataclass(frozen=True)
class InpaintRequest:
    """Regenerate the masked part of ``image``, one result per seed, at ``image``'s size.

    ``mask`` is a soft "L" mask of the same size: 255 regenerate, 0 keep exactly, in between
    blend. ``work_size`` is the size the model runs at (multiples of 8); None runs at the image's
    own size rounded down to a multiple of 8. Results are resized back and composited.
    """

    tier: str
    prompt: str
    image: Image.Image = field(compare=False)
    mask: Image.Image = field(compare=False)
    seeds: tuple[int, ...]
    negative_prompt: str = ""
    steps: int | None = None
    guidance: float | None = None
    strength: float = 1.0
    work_size: tuple[int, int] | None = None


def check(request: InpaintRequest, tier: TierPreset) -> tuple[int, float, tuple[int, int]]:
    """Steps, guidance and working size, or a ValueError a person can read."""
    if not request.seeds:
        raise ValueError("an inpaint request needs at least one seed")
    if request.mask.size != request.image.size:
        raise ValueError(f"mask is {request.mask.size}, image is {request.image.size}")
    if request.mask.convert("L").getextrema()[1] == 0:
        raise ValueError("the mask is empty: nothing to regenerate")
    steps = tier.default_steps if request.steps is None else request.steps
    if not 1 <= steps <= tier.max_steps:
        raise ValueError(f"steps must be between 1 and {tier.max_steps} for the {tier.name} tier")
    if not 0.0 < request.strength <= 1.0 or int(steps * request.strength) < 1:
        raise ValueError(f"strength {request.strength} with {steps} steps runs no step")
    guidance = tier.guidance if request.guidance is None else float(request.guidance)
    work = request.work_size or (request.image.width // 8 * 8, request.image.height // 8 * 8)
    if any(side % 8 or not 64 <= side <= 4096 for side in work):
        raise ValueError(f"working size must be multiples of 8 in 64..4096, got {work}")
    return steps, guidance, work


def inpaint(
    pipe: DiffusionPipeline,
    request: InpaintRequest,
    tier: TierPreset,
    device: str,
    *,
    max_batch: int,
    decoder: torch.nn.Module,
    slice_decode: bool,
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
    on_image: Callable[[int, GeneratedImage], None] | None = None,
) -> GenerationResult:
    """Run ``pipe`` (an inpainting pipeline) on all seeds as one batch (models/batch.py): each
    image from its own generator, composited over the source as it is decoded."""
    steps, guidance, work = check(request, tier)
    source = request.image.convert("RGB")
    soft = request.mask.convert("L")
    init = source if source.size == work else source.resize(work, Image.Resampling.LANCZOS)
    # Bilinear then "anything > 0": the model regenerates every pixel the blend will use.
    pipe_mask = generation_mask(generation_mask(soft).resize(work, Image.Resampling.BILINEAR))
    call: dict[str, Any] = {
        "width": work[0],
        "height": work[1],
        "strength": request.strength,
        "num_inference_steps": steps,
        "guidance_scale": guidance,
    }
    member = batching.Member(
        seeds=request.seeds,
        prompt=request.prompt,
        negative_prompt=request.negative_prompt,
        progress=progress,
        cancelled=cancelled,
        on_image=on_image,
        # One copy per image: each is VAE-encoded with its own generator, exactly as alone.
        images={"image": init, "mask_image": pipe_mask},
        finish=lambda generated: composite(source, generated, soft),
    )
    batching.run(
        pipe,
        [member],
        call,
        device=device,
        guidance=guidance,
        max_batch=max_batch,
        decoder=decoder,
        slice_decode=slice_decode,
    )
    if member.stopped:
        raise GenerationCancelled(f"cancelled after {len(member.results)} of {len(request.seeds)}")
    return GenerationResult(
        images=member.results,
        model_id=tier.model_id,
        scheduler="",
        steps=steps,
        guidance=guidance,
        strength=request.strength,
        timings=member.timings,
    )
