"""Loading a configured family's diffusers tiers: repo ids, local folders, single-file checkpoints.

A team names its own model per tier (a Hub repo, a folder saved with ``save_pretrained``, or the
single ``.safetensors`` file A1111 and ComfyUI users hold). Tiers that name the same model (and
VAE) share one set of weights through ``from_pipe``; each keeps its own scheduler. The pipeline
class comes from the repo's ``model_index.json`` (``DiffusionPipeline``), or from the tier's
``pipeline`` key — a single file has no index, so it defaults to ``StableDiffusionXLPipeline``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import diffusers
import torch
from diffusers import AutoencoderKL, DiffusionPipeline

from models.hub import ModelUnavailable, hub_options, load
from models.presets import Family, TierPreset

SINGLE_FILE_SUFFIXES = (".safetensors", ".ckpt", ".sft")
DEFAULT_SINGLE_FILE_PIPELINE = "StableDiffusionXLPipeline"
# The names a tier's `scheduler` key takes → diffusers' classes (the names recorded on assets).
SCHEDULER_CLASSES = {
    "Euler a": "EulerAncestralDiscreteScheduler",
    "Euler": "EulerDiscreteScheduler",
    "DPM++ 2M": "DPMSolverMultistepScheduler",
    "DDIM": "DDIMScheduler",
    "LCM": "LCMScheduler",
    "UniPC": "UniPCMultistepScheduler",
    "FlowMatch Euler": "FlowMatchEulerDiscreteScheduler",
}
# from_pretrained's dtype keyword was renamed in diffusers 0.4x (see models/sdxl.py).
_DTYPE_KWARG = (
    "dtype"
    if hasattr(importlib.import_module("diffusers.utils.deprecation_utils"), "_resolve_dtype")
    else "torch_dtype"
)


def is_single_file(model: str) -> bool:
    return model.lower().endswith(SINGLE_FILE_SUFFIXES)


def _looks_local(model: str) -> bool:
    return model.startswith(("/", "./", "../", "~")) or is_single_file(model)


def _check_local(model: str) -> None:
    """A missing local file names itself, instead of a Hub error about a repo nobody meant."""
    if _looks_local(model) and not Path(model).expanduser().exists():
        raise ModelUnavailable(model, FileNotFoundError(f"no such file or folder: {model}"))


def _pipeline_class(name: str | None, default: type) -> type:
    if name is None:
        return default
    cls = getattr(diffusers, name, None)
    if not isinstance(cls, type) or not issubclass(cls, DiffusionPipeline):
        raise ValueError(f"`pipeline = {name!r}` is not a diffusers pipeline class")
    return cls


def _load_vae(vae: str, options: dict[str, Any]) -> AutoencoderKL:
    _check_local(vae)
    if is_single_file(vae):
        return load(vae, AutoencoderKL.from_single_file, **options)
    return load(vae, AutoencoderKL.from_pretrained, **options)


def load_tier_pipeline(tier: TierPreset, options: dict[str, Any]) -> DiffusionPipeline:
    """The tier's own pipeline, from a single file, a folder or a repo id."""
    model = str(Path(tier.model_id).expanduser()) if _looks_local(tier.model_id) else tier.model_id
    _check_local(tier.model_id)
    extra: dict[str, Any] = {}
    if tier.vae:
        extra["vae"] = _load_vae(tier.vae, options)
    if is_single_file(model):
        default = getattr(diffusers, DEFAULT_SINGLE_FILE_PIPELINE)
        cls = _pipeline_class(tier.pipeline, default)
        if tier.config:
            extra["config"] = tier.config
        return load(model, cls.from_single_file, **options, **extra)
    cls = _pipeline_class(tier.pipeline, DiffusionPipeline)
    return load(model, cls.from_pretrained, **options, **extra)


def set_scheduler(pipe: DiffusionPipeline, name: str) -> None:
    """Swap in the named sampler, built from the model's own schedule; "" keeps the model's."""
    if not name:
        return
    cls = getattr(diffusers, SCHEDULER_CLASSES[name])
    pipe.scheduler = cls.from_config(pipe.scheduler.config)


def load_configured_pipelines(
    family: Family,
    device: str,
    dtype: torch.dtype,
    cache_dir: str | None = None,
    local_files_only: bool | None = None,
) -> dict[str, DiffusionPipeline]:
    """Text-to-image pipelines for the family's diffusers tiers (hosted tiers load nothing)."""
    options: dict[str, Any] = {**hub_options(cache_dir, local_files_only), _DTYPE_KWARG: dtype}
    loaded: dict[tuple[str, str | None, str | None], DiffusionPipeline] = {}
    pipes: dict[str, DiffusionPipeline] = {}
    for tier in family.tiers.values():
        if tier.backend != "diffusers":
            continue
        key = (tier.model_id, tier.vae, tier.pipeline)
        if key in loaded:
            # Same weights: share every module, keep a scheduler of its own.
            pipe = type(loaded[key]).from_pipe(loaded[key])
        else:
            pipe = load_tier_pipeline(tier, options)
            loaded[key] = pipe
        set_scheduler(pipe, tier.scheduler)
        pipe.to(device)
        pipe.set_progress_bar_config(disable=True)
        pipes[tier.name] = pipe
    return pipes
