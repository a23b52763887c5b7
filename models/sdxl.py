"""The real family: SDXL-Turbo drafts and SDXL base finals, sharing everything but the UNet.

SDXL-Turbo is distilled from SDXL base 1.0 and keeps its text encoders, tokenizers and VAE, so
we load the base pipeline once and swap only the UNet (and the scheduler) for drafts: 12.1 GB
of bf16 weights per worker (two 2.57B-param UNets at 5.1 GB each, text encoders and VAE once)
instead of 13.9 GB for two whole pipelines. Nothing here runs in CI (no Hub access); the tiny family
exercises the same pipeline classes.
"""

from __future__ import annotations

import importlib

import torch
from diffusers import (
    AutoencoderTiny,
    EulerAncestralDiscreteScheduler,
    EulerDiscreteScheduler,
    StableDiffusionXLPipeline,
    UNet2DConditionModel,
)

from models.hub import hub_options, load
from models.presets import DRAFT, FINAL, Family

# diffusers renamed from_pretrained's `torch_dtype` to `dtype` (0.4x, the old name warns). An
# older release would silently ignore `dtype` and load fp32, so pick by what is installed.
_DTYPE_KWARG = (
    "dtype"
    if hasattr(importlib.import_module("diffusers.utils.deprecation_utils"), "_resolve_dtype")
    else "torch_dtype"
)


def load_sdxl_pipelines(
    family: Family,
    device: str,
    dtype: torch.dtype,
    cache_dir: str | None = None,
    local_files_only: bool | None = None,
) -> dict[str, StableDiffusionXLPipeline]:
    """Text-to-image pipelines per tier; raises ModelUnavailable naming the missing model."""
    draft, final = family.tiers[DRAFT], family.tiers[FINAL]
    options = {
        **hub_options(cache_dir, local_files_only),
        _DTYPE_KWARG: dtype,
        # Half-precision files halve the download; diffusers casts them to bf16 when asked.
        "variant": "fp16" if dtype in (torch.float16, torch.bfloat16) else None,
        "use_safetensors": True,
    }
    base = load(final.model_id, StableDiffusionXLPipeline.from_pretrained, **options)
    # The base repo's default already is Euler; say so explicitly so the recorded name is true.
    base.scheduler = EulerDiscreteScheduler.from_config(base.scheduler.config)
    if dtype == torch.bfloat16:
        # The fp32 upcast exists for fp16 overflow in SDXL's VAE; bf16 has fp32's range.
        base.vae.register_to_config(force_upcast=False)

    turbo_unet = load(
        draft.model_id, UNet2DConditionModel.from_pretrained, subfolder="unet", **options
    )
    components = {
        **base.components,
        "unet": turbo_unet,
        # SDXL-Turbo's model card: Euler ancestral with trailing timesteps, 1-4 steps.
        "scheduler": EulerAncestralDiscreteScheduler.from_config(
            base.scheduler.config, timestep_spacing="trailing"
        ),
    }
    if draft.fast_decoder:
        tiny_options = {k: v for k, v in options.items() if k != "variant"}
        components["vae"] = load(
            draft.fast_decoder, AutoencoderTiny.from_pretrained, **tiny_options
        )
    draft_pipe = StableDiffusionXLPipeline(
        **components, force_zeros_for_empty_prompt=base.config.force_zeros_for_empty_prompt
    )
    pipes = {DRAFT: draft_pipe, FINAL: base}
    for pipe in pipes.values():
        pipe.to(device)
        pipe.set_progress_bar_config(disable=True)
    return pipes
