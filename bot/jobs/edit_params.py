"""Recipes of the edit-in-place jobs (vary, region edit, resize, upscale), from a source asset.

Each function validates what a person asked for and returns the job's params (plain JSON, so the
job can resume after a restart), or raises EditError with a message for that person. Nothing is
written here: a refused request leaves no trace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.config import Settings
from bot.jobs import rows as jobs
from bot.jobs.lanes import lane_for
from bot.jobs.params import aspect_text, carried_choices, seeds_from
from bot.store.database import Store
from models.masks import CELL_NAMES, working_size
from models.presets import Family
from models.upscale_presets import SCALES, UPSCALERS, output_size


class EditError(ValueError):
    """A request that cannot be done; the message is shown to the person who asked."""


@dataclass(frozen=True)
class Format:
    label: str
    width: int
    height: int

    def as_param(self) -> dict[str, Any]:
        return {"label": self.label, "width": self.width, "height": self.height}


# Ad and social units people ask for most; value = the checkbox value in the Resize modal.
FORMATS: dict[str, Format] = {
    "1:1": Format("1:1", 1080, 1080),
    "4:5": Format("4:5", 1080, 1350),
    "9:16": Format("9:16", 1080, 1920),
    "16:9": Format("16:9", 1920, 1080),
    "1.91:1": Format("1.91:1", 1200, 628),
}

_SIZE = re.compile(r"^\s*(\d{1,5})\s*[x×X*]\s*(\d{1,5})\s*(?:px)?\s*$")


def parse_custom_size(text: str, settings: Settings) -> Format:
    """``1500x500`` (or ``1500×500``) within the configured bounds."""
    match = _SIZE.match(text)
    low, high = settings.resize_min_side, settings.resize_max_side
    if match is None:
        raise EditError(f"Write the size as width×height, e.g. `1500x500` (got “{text.strip()}”).")
    width, height = int(match.group(1)), int(match.group(2))
    if not (low <= width <= high and low <= height <= high):
        raise EditError(f"Each side must be between {low} and {high} px, got {width}×{height}.")
    return Format(aspect_text(width, height), width, height)


def source_count(store: Store, asset: dict[str, Any]) -> int:
    """How many variants the source's own job made: edits make as many."""
    job = jobs.find_job(store, asset["job_id"])
    seeds = (job.params.get("seeds") if job else None) or [None]
    return max(1, min(len(seeds), 8))


def _tier(family: Family, asset: dict[str, Any]) -> Any:
    try:
        return family.tier(asset.get("tier") or "draft")
    except ValueError as exc:
        raise EditError(str(exc)) from None


def _base(asset: dict[str, Any], tier_name: str) -> dict[str, Any]:
    return {
        "tier": tier_name,
        "prompt": asset.get("prompt") or "",
        "negative_prompt": asset.get("negative_prompt") or "",
        "aspect": aspect_text(asset["width"], asset["height"]),
        "width": asset["width"],
        "height": asset["height"],
        "source_asset_id": asset["id"],
        "source_variant": asset.get("variant"),
        # An edit runs on the family that made its source (a channel may pick another).
        **({"family": asset["family"]} if asset.get("family") else {}),
    }


def steps_for_strength(default_steps: int, max_steps: int, strength: float) -> int:
    """img2img runs int(steps × strength) steps: the fewest steps ≥ the default that run one."""
    steps = default_steps
    while int(steps * strength) < 1 and steps < max_steps:
        steps += 1
    if int(steps * strength) < 1:
        raise EditError(f"A strength of {strength:g} runs no step even at {max_steps} steps.")
    return steps


def vary_size(width: int, height: int, native_side: int) -> tuple[int, int]:
    """Variations render at the source's size (multiples of 8), or at the model's native pixel
    count when the source is much larger (an upscale): same aspect either way."""
    if width * height > 2.25 * native_side * native_side:
        return working_size(width, height, native_side)
    return max(64, width // 8 * 8), max(64, height // 8 * 8)


def vary_params(
    store: Store, settings: Settings, family: Family, asset: dict[str, Any], mode: str
) -> dict[str, Any]:
    strength = {"subtle": settings.vary_subtle_strength, "strong": settings.vary_strong_strength}[
        mode
    ]
    if not 0.0 < strength <= 1.0:
        raise EditError(f"The configured {mode} strength must be in (0, 1], got {strength:g}.")
    tier = _tier(family, asset)
    width, height = vary_size(asset["width"], asset["height"], tier.native_side)
    source_job = jobs.find_job(store, asset["job_id"])
    return {
        **(carried_choices(source_job.params) if source_job else {}),
        **_base(asset, tier.name),
        "width": width,
        "height": height,
        "seeds": seeds_from(None, source_count(store, asset)),
        "steps": steps_for_strength(tier.default_steps, tier.max_steps, strength),
        "guidance": tier.guidance,
        "init_asset_id": asset["id"],
        "strength": strength,
        "vary": mode,
        **lane_for(tier),
    }


def edit_params(
    store: Store,
    family: Family,
    asset: dict[str, Any],
    instruction: str,
    *,
    cells: list[int] | None = None,
    mask_path: str | None = None,
) -> dict[str, Any]:
    """A region edit: regenerate the chosen grid cells, or the white of an uploaded mask."""
    instruction = instruction.strip()
    if not instruction:
        raise EditError("Say what should change, e.g. `a red scarf`.")
    if not cells and not mask_path:
        raise EditError("Choose at least one cell of the grid.")
    if cells and any(not 1 <= c <= len(CELL_NAMES) for c in cells):
        raise EditError(f"Cells are numbered 1 to {len(CELL_NAMES)}.")
    tier = _tier(family, asset)
    params = {
        **_base(asset, tier.name),
        "prompt": instruction,
        "source_prompt": asset.get("prompt") or "",
        "seeds": seeds_from(None, source_count(store, asset)),
        "steps": tier.default_steps,
        "guidance": tier.guidance,
        "strength": 1.0,
        **lane_for(tier),
    }
    if cells:
        params["cells"] = sorted(set(cells))
    else:
        params["mask_path"] = mask_path
    return params


def resize_params(family: Family, asset: dict[str, Any], formats: list[Format]) -> dict[str, Any]:
    if not formats:
        raise EditError("Tick at least one format, or type a custom size.")
    unique = list({(f.width, f.height): f for f in formats}.values())
    tier = _tier(family, asset)
    first = unique[0]
    return {
        **_base(asset, tier.name),
        # Labels are names people know ("1.91:1"); an aspect param is always whole numbers, and
        # it speaks only for the first format's variant (see job_params.asset_aspect).
        "aspect": aspect_text(first.width, first.height),
        "width": first.width,
        "height": first.height,
        "formats": [f.as_param() for f in unique],
        "seeds": seeds_from(None, len(unique)),
        "steps": tier.default_steps,
        "guidance": tier.guidance,
    }


def upscale_params(
    settings: Settings, family: Family, asset: dict[str, Any], scale: int
) -> dict[str, Any]:
    if scale not in SCALES:
        raise EditError(f"Upscale factors are {', '.join(f'×{s}' for s in SCALES)}.")
    preset = UPSCALERS.get(family.extras or family.name)
    if preset is None:
        raise EditError(f"The {family.name} model family has no upscaler.")
    width, height = output_size(asset["width"], asset["height"], scale)
    limit = settings.upscale_max_side
    if max(width, height) > limit:
        smaller = [
            s for s in SCALES if s < scale and max(asset["width"], asset["height"]) * s <= limit
        ]
        hint = f" Try ×{smaller[-1]}." if smaller else ""
        raise EditError(
            f"Upscaling this {asset['width']}×{asset['height']} image ×{scale} would make "
            f"{width}×{height}, above the limit of {limit} px per side.{hint}"
        )
    tier = _tier(family, asset)
    return {
        **_base(asset, tier.name),
        "width": width,
        "height": height,
        "scale": scale,
        "seeds": seeds_from(None, 1),
        "steps": preset.steps,
        "guidance": preset.guidance,
    }
