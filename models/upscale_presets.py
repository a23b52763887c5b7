"""The family's upscaler as data (no torch here: the bot validates sizes without loading models).

Stable Diffusion's x4 upscaler is the real family's; ×2 runs it and downsamples (models/upscale.py
says why). Tile sizes are in input pixels: the x4 model was trained on 128 px crops -> 512.
"""

from __future__ import annotations

from dataclasses import dataclass

SCALES = (2, 4)


@dataclass(frozen=True)
class UpscalerPreset:
    """What to load and how to run it per tile."""

    model_id: str
    licence: str
    native_scale: int = 4
    tile: int = 128  # input pixels per tile side (the x4 model was trained on 128 -> 512)
    overlap: int = 32
    steps: int = 20
    guidance: float = 7.5
    noise_level: int = 20  # how much the low-res input is noised before conditioning


UPSCALERS: dict[str, UpscalerPreset] = {
    "sdxl": UpscalerPreset(
        model_id="stabilityai/stable-diffusion-x4-upscaler",
        # Model card metadata: license openrail++ (CreativeML Open RAIL++-M).
        licence="CreativeML Open RAIL++-M",
    ),
    "tiny": UpscalerPreset(
        model_id="dailies/tiny-x4-upscaler",
        licence="Apache-2.0 (random weights built in code)",
        tile=32,
        overlap=8,
        steps=2,
        guidance=0.0,
    ),
}


def output_size(width: int, height: int, scale: int) -> tuple[int, int]:
    return width * scale, height * scale
