"""×2 / ×4 upscaling with a diffusion upscaler, tile by tile so memory stays bounded.

The family's upscaler is Stable Diffusion's x4 upscaler (StableDiffusionUpscalePipeline). ×2 runs
×4 and brings each tile down with Lanczos: one model to load and cache instead of two, and the SD
latent ×2 upscaler works on SD 1.x/2 latents, not SDXL's, so it would need a second VAE too. The
x4 model holds activations proportional to its output, so we feed it fixed-size tiles
(models/tiling.py) and blend them; peak memory depends on the tile, not on the image.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from diffusers import DiffusionPipeline
from PIL import Image

from models.request import CancelCheck, GenerationCancelled, ProgressCallback
from models.tiling import tile_grid, tiled
from models.upscale_presets import SCALES, UPSCALERS, UpscalerPreset, output_size

__all__ = ["SCALES", "UPSCALERS", "UpscaleRequest", "UpscaleResult", "UpscalerPreset", "upscale"]


@dataclass(frozen=True)
class UpscaleRequest:
    image: Image.Image
    scale: int
    seed: int
    prompt: str = ""
    negative_prompt: str = ""
    max_side: int = 4096


@dataclass
class UpscaleResult:
    image: Image.Image
    model_id: str
    scheduler: str
    steps: int
    guidance: float
    tiles: int
    timings: dict[str, float]


def check(request: UpscaleRequest) -> tuple[int, int]:
    if request.scale not in SCALES:
        raise ValueError(f"upscale factor must be one of {SCALES}, got {request.scale}")
    w, h = output_size(request.image.width, request.image.height, request.scale)
    if max(w, h) > request.max_side:
        raise ValueError(
            f"×{request.scale} would make {w}×{h}, above the limit of {request.max_side} px "
            "per side"
        )
    return w, h


def tile_count(width: int, height: int, preset: UpscalerPreset) -> int:
    padded_w, padded_h = -(-width // 8) * 8, -(-height // 8) * 8
    return len(tile_grid(padded_w, padded_h, preset.tile, preset.overlap))


def upscale(
    pipe: DiffusionPipeline,
    preset: UpscalerPreset,
    request: UpscaleRequest,
    device: str,
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
) -> UpscaleResult:
    """The image ×``request.scale``; progress counts steps across all tiles as one image."""
    started = time.perf_counter()
    width, height = check(request)
    source = np.asarray(request.image.convert("RGB"), dtype=np.float32) / 255.0
    # Tiles must be multiples of 8 for the VAE: pad the edges by repetition, crop afterwards.
    pad_h, pad_w = -source.shape[0] % 8, -source.shape[1] % 8
    padded = np.pad(source, ((0, pad_h), (0, pad_w), (0, 0)), mode="edge")
    tiles = len(tile_grid(padded.shape[1], padded.shape[0], preset.tile, preset.overlap))
    total = tiles * preset.steps
    done = [0]

    def on_step(step: int, timestep: Any, latents: Any) -> None:
        done[0] += 1
        if progress is not None:
            progress(0, min(done[0], total), total)
        if cancelled is not None and cancelled():
            raise GenerationCancelled(f"cancelled at step {done[0]} of {total}")

    def one_tile(tile: np.ndarray) -> np.ndarray:
        if cancelled is not None and cancelled():
            raise GenerationCancelled("cancelled between tiles")
        low = Image.fromarray(np.round(np.clip(tile, 0, 1) * 255).astype(np.uint8))
        out = pipe(
            prompt=request.prompt,
            negative_prompt=request.negative_prompt or None,
            image=low,
            num_inference_steps=preset.steps,
            guidance_scale=preset.guidance,
            noise_level=preset.noise_level,
            generator=torch.Generator(device).manual_seed(request.seed),
            output_type="np",
            callback=on_step,
            callback_steps=1,
        ).images[0]
        if request.scale == preset.native_scale:
            return out
        # ×2: each tile's ×4 result is brought down with Lanczos before blending, so memory
        # holds only the ×2 canvas, never a ×4 one.
        size = (tile.shape[1] * request.scale, tile.shape[0] * request.scale)
        low_out = Image.fromarray(np.round(np.clip(out, 0, 1) * 255).astype(np.uint8))
        return np.asarray(low_out.resize(size, Image.Resampling.LANCZOS), np.float32) / 255.0

    big = tiled(padded, one_tile, scale=request.scale, tile=preset.tile, overlap=preset.overlap)
    pixels = np.round(np.clip(big, 0, 1) * 255).astype(np.uint8)
    image = Image.fromarray(pixels[:height, :width])
    return UpscaleResult(
        image=image,
        model_id=preset.model_id,
        scheduler="",
        steps=preset.steps,
        guidance=preset.guidance,
        tiles=tiles,
        timings={"total_s": time.perf_counter() - started},
    )


def load_upscaler(
    preset: UpscalerPreset,
    family_name: str,
    device: str,
    dtype: torch.dtype,
    hub: dict[str, Any],
) -> DiffusionPipeline:
    """The family's upscaler pipeline on ``device`` (built in code for the tiny family)."""
    if family_name == "tiny":
        from models.tiny_upscale import build_tiny_upscaler

        pipe = build_tiny_upscaler()
        # diffusers warns on every dtype cast ("kept in float32: []"); mute that one logger.
        modeling_logger = logging.getLogger("diffusers.models.modeling_utils")
        level = modeling_logger.level
        modeling_logger.setLevel(logging.ERROR)
        try:
            pipe.to(device, dtype)
        finally:
            modeling_logger.setLevel(level)
        return pipe
    from diffusers import StableDiffusionUpscalePipeline

    from models.hub import ModelUnavailable, hub_options, load
    from models.sdxl import _DTYPE_KWARG

    options = {
        **hub_options(hub.get("cache_dir"), hub.get("local_files_only")),
        _DTYPE_KWARG: dtype,
        "use_safetensors": True,
    }
    if dtype in (torch.float16, torch.bfloat16):
        try:
            pipe = load(
                preset.model_id,
                StableDiffusionUpscalePipeline.from_pretrained,
                variant="fp16",
                **options,
            )
        except ModelUnavailable:  # no fp16 files in the cache or the repo: full precision
            pipe = load(preset.model_id, StableDiffusionUpscalePipeline.from_pretrained, **options)
    else:
        pipe = load(preset.model_id, StableDiffusionUpscalePipeline.from_pretrained, **options)
    pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    return pipe
