"""What a generation asks for and what it gives back.

These dataclasses are the only contract between the bot and the models: the bot turns a job row
into a request, the models turn a request into images. Nothing here knows about Slack or SQLite,
so the same request can be replayed from an asset row to reproduce an image.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

# Called after every denoising step: (image index 0-based, step 1-based, steps per image).
ProgressCallback = Callable[[int, int, int], None]
# Polled between steps; returning True stops the generation with GenerationCancelled.
CancelCheck = Callable[[], bool]


# IP-Adapter scale of a style anchor when none is given: ~0.4-0.7 keeps the style without
# copying the content.
DEFAULT_ANCHOR_SCALE = 0.6


class GenerationCancelled(Exception):
    """Raised inside a generation when its CancelCheck says stop."""


@dataclass(frozen=True)
class GenerationRequest:
    """One batch of images from one tier: one image per seed.

    Each image gets its own generator seeded from its own seed, so any single variant can be
    reproduced later from its recorded seed alone, whatever batch it was born in.
    `init_image` turns the call into image-to-image at `strength` (0 keeps the init image,
    1 ignores it).
    """

    tier: str
    prompt: str
    width: int
    height: int
    seeds: tuple[int, ...]
    negative_prompt: str = ""
    steps: int | None = None  # None: the tier's default
    guidance: float | None = None  # None: the tier's default
    init_image: Image.Image | None = field(default=None, compare=False)
    strength: float | None = None
    # Style anchor: the family's IP-Adapter conditions every image on this picture at
    # `anchor_scale` (0-1; None: DEFAULT_ANCHOR_SCALE).
    anchor_image: Image.Image | None = field(default=None, compare=False)
    anchor_scale: float | None = None
    # LoRAs applied for this call only (models/lora.py), in order.
    loras: tuple[LoraUse, ...] = ()


@dataclass(frozen=True)
class LoraUse:
    """One LoRA for one call: its name (recorded), where its weights are, and its weight."""

    name: str
    source: str  # a .safetensors file, a folder, or a Hub repo id
    weight: float = 1.0
    weight_name: str | None = None  # the file inside a folder or repo


@dataclass(frozen=True)
class GeneratedImage:
    image: Image.Image
    seed: int


@dataclass
class GenerationResult:
    """Images plus every parameter that was actually used, for the asset rows and PNG chunks."""

    images: list[GeneratedImage]
    model_id: str
    scheduler: str
    steps: int
    guidance: float
    strength: float | None = None
    timings: dict[str, float] = field(default_factory=dict)
    anchor_scale: float | None = None  # None: no style anchor
    # The fast decoder that turned latents into pixels (e.g. "madebyollin/taesdxl"); None: the
    # family's full VAE.
    decoder: str | None = None
    # False for hosted models: the same seed and prompt do not give the same bytes again.
    reproducible: bool = True
    # What was sent to a hosted model (no key, no image bytes); None for local tiers.
    hosted_request: dict[str, Any] | None = None
    loras: tuple[LoraUse, ...] = ()
