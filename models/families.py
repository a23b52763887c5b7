"""Model families as configuration: ``[families.NAME]`` tables turned into Family objects.

Teams run their own checkpoints, and some want a hosted model for one tier, so which model runs
where is data, not code. The two built-in families (models/builtin_families.toml) go through the
same parser as a team's config file, so a typo in either is refused at start with the family,
tier and key named, instead of failing in the first person's job.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from models.presets import DRAFT, FINAL, Family, TierPreset

BACKENDS = ("diffusers", "gemini")
LOADERS = ("tiny", "sdxl", "pipelines")
EXTRAS = ("tiny", "sdxl")
REQUIRED_TIERS = (DRAFT, FINAL)
# The names people know samplers by (A1111/Comfy), as recorded on assets (models/runner.py).
SCHEDULERS = ("Euler a", "Euler", "DPM++ 2M", "DDIM", "LCM", "UniPC", "FlowMatch Euler")
GEMINI_SIZES = ("1K", "2K", "4K")
# A diffusers tier must say these; nothing sensible can be guessed for an unknown checkpoint.
DIFFUSERS_REQUIRED = ("model", "native_side", "default_steps", "max_steps", "guidance")
TIER_KEYS = {
    "backend",
    "model",
    "vae",
    "pipeline",
    "config",
    "scheduler",
    "native_side",
    "default_steps",
    "max_steps",
    "guidance",
    "strength",
    "licence",
    "fast_decoder",
    "image_size",
    "cost_per_image",
}
FAMILY_KEYS = {"description", "loader", "extras", "licences", "tiers"}
BUILTIN_FILE = Path(__file__).with_name("builtin_families.toml")


class FamilyError(ValueError):
    """A family table is unusable; the message names the family, the tier and the key."""


def _number(where: str, key: str, raw: Any, kind: type, low: float, high: float) -> Any:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise FamilyError(f"{where}: `{key}` must be a number, got {raw!r}")
    if kind is int and raw != int(raw):
        raise FamilyError(f"{where}: `{key}` must be a whole number, got {raw!r}")
    value = kind(raw)
    if not low <= value <= high:
        raise FamilyError(f"{where}: `{key}` must be between {low:g} and {high:g}, got {raw!r}")
    return value


def _text(where: str, key: str, raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise FamilyError(f"{where}: `{key}` must be a non-empty string, got {raw!r}")
    return raw.strip()


def parse_tier(family: str, name: str, table: Mapping[str, Any]) -> TierPreset:
    """One ``[families.F.tiers.T]`` table; FamilyError naming the missing or bad key."""
    where = f"model family {family!r}, tier {name!r}"
    if not isinstance(table, Mapping):
        raise FamilyError(f"{where}: must be a table of settings")
    unknown = sorted(set(table) - TIER_KEYS)
    if unknown:
        raise FamilyError(
            f"{where}: unknown key `{unknown[0]}`; known keys: {', '.join(sorted(TIER_KEYS))}"
        )
    if "backend" not in table:
        raise FamilyError(f"{where}: missing key `backend` (one of {', '.join(BACKENDS)})")
    backend = _text(where, "backend", table["backend"])
    if backend not in BACKENDS:
        raise FamilyError(f"{where}: backend {backend!r} is unknown; use one of {BACKENDS}")
    required = DIFFUSERS_REQUIRED if backend == "diffusers" else ("model",)
    missing = [key for key in required if key not in table]
    if missing:
        raise FamilyError(f"{where}: missing key `{missing[0]}`")
    model = _text(where, "model", table["model"])
    hosted = backend != "diffusers"
    # No scheduler: the model's own (recorded by its class name on every asset).
    scheduler = table.get("scheduler", "" if backend == "diffusers" else backend)
    if backend == "diffusers" and scheduler and scheduler not in SCHEDULERS:
        raise FamilyError(
            f"{where}: scheduler {scheduler!r} is unknown; use one of {', '.join(SCHEDULERS)}"
        )
    image_size = table.get("image_size")
    if image_size is not None and image_size not in GEMINI_SIZES:
        raise FamilyError(f"{where}: image_size must be one of {', '.join(GEMINI_SIZES)}")
    if image_size is not None and backend != "gemini":
        raise FamilyError(f"{where}: image_size applies only to the gemini backend")
    native = _number(where, "native_side", table.get("native_side", 1024), int, 64, 4096)
    # Hosted models take no step count: 1 is recorded; the bound only keeps img2img arithmetic
    # elsewhere (steps x strength >= 1) satisfiable.
    default_steps = _number(where, "default_steps", table.get("default_steps", 1), int, 1, 500)
    max_steps = _number(
        where, "max_steps", table.get("max_steps", 10 if hosted else default_steps), int, 1, 500
    )
    if default_steps > max_steps:
        raise FamilyError(f"{where}: default_steps ({default_steps}) exceeds max_steps")
    strength = _number(
        where, "strength", table.get("strength", 1.0 if hosted else 0.55), float, 0.01, 1.0
    )
    if not hosted and int(default_steps * strength) < 1:
        raise FamilyError(
            f"{where}: default_steps x strength ({default_steps} x {strength:g}) runs no "
            "image-to-image step; raise one of them"
        )
    return TierPreset(
        name=name,
        model_id=model,
        native_side=native,
        default_steps=default_steps,
        max_steps=max_steps,
        guidance=_number(where, "guidance", table.get("guidance", 0.0), float, 0.0, 30.0),
        scheduler=str(scheduler),
        default_strength=strength,
        fast_decoder=table.get("fast_decoder"),
        backend=backend,
        vae=table.get("vae"),
        pipeline=table.get("pipeline"),
        config=table.get("config"),
        image_size=image_size,
        cost_per_image=_number(
            where, "cost_per_image", table.get("cost_per_image", 0.0), float, 0.0, 1000.0
        ),
    )


def parse_family(name: str, table: Mapping[str, Any]) -> Family:
    """One ``[families.NAME]`` table with its ``tiers``; FamilyError naming what is wrong."""
    where = f"model family {name!r}"
    if not isinstance(table, Mapping):
        raise FamilyError(f"{where}: must be a table")
    unknown = sorted(set(table) - FAMILY_KEYS)
    if unknown:
        raise FamilyError(
            f"{where}: unknown key `{unknown[0]}`; known keys: {', '.join(sorted(FAMILY_KEYS))}"
        )
    tiers_table = table.get("tiers")
    if not isinstance(tiers_table, Mapping):
        raise FamilyError(f"{where}: missing table `tiers` ([families.{name}.tiers.draft] …)")
    missing = [tier for tier in REQUIRED_TIERS if tier not in tiers_table]
    if missing:
        raise FamilyError(
            f"{where}: missing tier `{missing[0]}` ([families.{name}.tiers.{missing[0]}])"
        )
    tiers = {tier: parse_tier(name, tier, tiers_table[tier]) for tier in tiers_table}
    loader = table.get("loader", "pipelines")
    if loader not in LOADERS:
        raise FamilyError(f"{where}: loader {loader!r} is unknown; use one of {LOADERS}")
    extras = table.get("extras")
    if extras is not None and extras not in EXTRAS:
        raise FamilyError(f"{where}: extras {extras!r} is unknown; use one of {EXTRAS}")
    licences = dict(table.get("licences") or {})
    for tier in tiers.values():
        licence = tiers_table[tier.name].get("licence")
        licences.setdefault(tier.model_id, str(licence) if licence else "see the model's card")
        if tier.fast_decoder and tier.fast_decoder not in licences:
            licences[tier.fast_decoder] = "see the model's card"
    return Family(
        name=name,
        tiers=tiers,
        description=str(table.get("description", "")).strip() or f"configured family {name}",
        licences=licences,
        loader=loader,
        extras=extras,
    )


def parse_families(tables: Mapping[str, Any]) -> dict[str, Family]:
    """Every ``[families.*]`` table of a config file, by name."""
    return {name: parse_family(name, table) for name, table in tables.items()}


def builtin_families() -> dict[str, Family]:
    """The shipped families (tiny, sdxl), from models/builtin_families.toml."""
    with BUILTIN_FILE.open("rb") as handle:
        return parse_families(tomllib.load(handle)["families"])


def family_registry(configured: Mapping[str, Any] | None = None) -> dict[str, Family]:
    """Built-ins plus a config's families (a configured one may replace a built-in's name)."""
    from models.presets import FAMILIES

    return {**FAMILIES, **parse_families(configured or {})}


def resolve_family_name(name: str) -> str:
    """``auto`` → ``sdxl`` with a CUDA GPU (the real models), else ``tiny`` (runs anywhere,
    offline); any other name is the family asked for."""
    if name != "auto":
        return name
    import torch

    return "sdxl" if torch.cuda.is_available() else "tiny"


def pick_family(registry: Mapping[str, Family], name: str) -> Family:
    """The family called ``name`` (``auto``: see resolve_family_name) or a FamilyError listing
    the known ones."""
    name = resolve_family_name(name)
    try:
        return registry[name]
    except KeyError:
        known = ", ".join(sorted(registry))
        raise FamilyError(f"unknown model family {name!r}; known families: {known}") from None
