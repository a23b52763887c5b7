"""Model families and their tiers, as data.

A family is a set of pipelines that share text encoders and VAE, so a draft can be re-rendered as a
final without loading a second copy of anything. Tiers hold the defaults a person never has to
type (steps, guidance, native size) and the limits a request may not pass (max steps), and the
names recorded on every asset so an image can be reproduced and its licence known.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DRAFT = "draft"
FINAL = "final"


@dataclass(frozen=True)
class TierPreset:
    """Defaults and limits of one tier of a family.

    `model_id` is what gets recorded on assets: for the real family it is the Hub repository whose
    UNet the tier runs; the tiny family uses made-up ids so nobody mistakes its output for a model.
    `native_side` is the side of the square the model was trained at; other aspects keep about the
    same pixel count (see `size_for_aspect`), because quality drops away from it.
    """

    name: str
    model_id: str
    native_side: int
    default_steps: int
    max_steps: int
    guidance: float
    scheduler: str
    default_strength: float = 0.55
    # AutoencoderTiny repo decoding this tier instead of the shared VAE (faster previews); None
    # keeps the family's VAE. Off by default: it changes pixels, and model_id does not say so.
    fast_decoder: str | None = None
    # Where the tier runs: "diffusers" (local pipelines) or "gemini" (the hosted Gemini API).
    backend: str = "diffusers"
    # Optional VAE replacing the pipeline's (a repo id, a folder or a .safetensors file).
    vae: str | None = None
    # Pipeline class for a single-file checkpoint (from_single_file needs to know it).
    pipeline: str | None = None
    # For a single file: a diffusers folder or repo holding the components' configs (without
    # it from_single_file fetches the matching config from the Hub).
    config: str | None = None
    # Gemini output size ("1K", "2K", "4K"); None lets the model choose.
    image_size: str | None = None
    # What one image costs at this tier (USD), for the stats; 0 for local tiers.
    cost_per_image: float = 0.0

    @property
    def hosted(self) -> bool:
        """Runs on someone else's servers: not bit-reproducible from its seed."""
        return self.backend != "diffusers"

    @property
    def native_pixels(self) -> int:
        return self.native_side * self.native_side


@dataclass(frozen=True)
class Family:
    """A named set of tiers that share text encoders, tokenizers and VAE."""

    name: str
    tiers: dict[str, TierPreset]
    description: str
    licences: dict[str, str]
    # How its diffusers tiers are loaded: "tiny" (built in code), "sdxl" (base pipeline, the
    # draft tier swaps in its UNet), "pipelines" (each tier from its own model, shared if equal).
    loader: str = "pipelines"
    # Which built-in family's IP-Adapter, upscaler and video tier it uses; None: none.
    extras: str | None = None

    @property
    def backends(self) -> set[str]:
        return {tier.backend for tier in self.tiers.values()}

    def tier(self, name: str) -> TierPreset:
        """The tier, or a ValueError that lists the family's tiers (a user typed the name)."""
        try:
            return self.tiers[name]
        except KeyError:
            known = ", ".join(sorted(self.tiers))
            raise ValueError(
                f"unknown tier {name!r} for model family {self.name!r}; known tiers: {known}"
            ) from None


# The built-in families are data too: models/builtin_families.toml, parsed by the same code as a
# team's [families.NAME] tables (models/families.py). Imported here, below the classes it builds.
from models.families import builtin_families  # noqa: E402

FAMILIES: dict[str, Family] = builtin_families()
TINY = FAMILIES["tiny"]
SDXL = FAMILIES["sdxl"]


def get_family(name: str) -> Family:
    """The family called `name`; a ValueError naming the known ones (it comes from config)."""
    try:
        return FAMILIES[name]
    except KeyError:
        known = ", ".join(sorted(FAMILIES))
        raise ValueError(f"unknown model family {name!r}; known families: {known}") from None


def size_for_aspect(
    native_side: int, aspect_w: int, aspect_h: int, multiple: int = 64
) -> tuple[int, int]:
    """The generation size (width, height) for an aspect ratio at a model's native pixel count.

    We choose the size the model generates at instead of resizing afterwards, so images are never
    stretched. Sides are multiples of `multiple` (64 suits every SDXL-style UNet and VAE); the
    pixel count stays within 0.5-1.6x native because quality falls off away from it (below about
    2x the grid step no landscape or portrait size fits that window: the window is then dropped).
    Orientation is a hard rule (a portrait request never comes back square or landscape); within
    it the cost weighs aspect error twice as much as pixel-count error. A strict "aspect first"
    order would pick 1024x576 for 16:9 at 1024 (exact, but half the pixels) over 1344x768, the
    size SDXL was trained on.
    """
    if native_side < multiple or aspect_w <= 0 or aspect_h <= 0:
        raise ValueError(
            f"need native_side >= {multiple} and a positive aspect, got "
            f"{native_side} and {aspect_w}:{aspect_h}"
        )
    native = native_side * native_side
    target = math.log(aspect_w / aspect_h)
    orientation = (aspect_w > aspect_h) - (aspect_w < aspect_h)

    def best_size(max_side: int, window: tuple[float, float]) -> tuple[float, int, int] | None:
        best: tuple[float, int, int] | None = None
        for w in range(multiple, max_side + 1, multiple):
            for h in range(multiple, max_side + 1, multiple):
                if (w > h) - (w < h) != orientation:
                    continue
                if not window[0] * native <= w * h <= window[1] * native:
                    continue
                cost = 2 * abs(math.log(w / h) - target) + abs(math.log(w * h / native))
                if best is None or cost < best[0]:
                    best = (cost, w, h)
        return best

    max_side = math.isqrt(int(native * 1.6 * 16)) // multiple * multiple  # side of 16:1
    best = best_size(max_side, (0.5, 1.6))
    if best is None:
        # A native side near the grid step (a 64 px draft) has no landscape or portrait size
        # within the pixel window: the smallest grid sizes honouring the ratio are the best left.
        ratio = math.ceil(max(aspect_w / aspect_h, aspect_h / aspect_w))
        sides = max(max_side, multiple * (ratio + 1) * math.ceil(native_side / multiple))
        best = best_size(sides, (0.0, math.inf))
    assert best is not None  # w = 2h, h = 2w or w = h is always on the grid within ``sides``
    return best[1], best[2]
