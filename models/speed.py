"""GPU options for a worker's modules: channels_last memory format and torch.compile.

Both are off by default: on this project's CPU neither was faster (compiling costs minutes at
worker start and the tiny family's convolutions are too small to gain), and on a GPU they pay
off only where bench/gpu_drafts.py measures it. Attention already runs through PyTorch's fused
``scaled_dot_product_attention`` (diffusers' AttnProcessor2_0 is the default with torch 2);
``attention_backends`` reports it so a benchmark can say what it measured.

``torch.nn.Module.compile`` compiles a module in place, so every pipeline that shares it (draft
text-to-image, image-to-image and inpainting derive from one another with ``from_pipe``) runs
the compiled code without being rebuilt.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


def unique_modules(pipes: Iterable[object], names: tuple[str, ...]) -> list[torch.nn.Module]:
    """Each distinct module called ``name`` across the pipelines (shared ones once)."""
    found: dict[int, torch.nn.Module] = {}
    for pipe in pipes:
        for name in names:
            module = getattr(pipe, name, None)
            if isinstance(module, torch.nn.Module):
                found.setdefault(id(module), module)
    return list(found.values())


def apply(modules: Iterable[torch.nn.Module], *, channels_last: bool, compile: bool) -> None:
    """Put the modules in channels_last and/or compile them in place (UNets; VAE decoders)."""
    for module in modules:
        if channels_last:
            module.to(memory_format=torch.channels_last)
        if compile:
            target = getattr(module, "decoder", None) if hasattr(module, "decode") else module
            (target or module).compile(fullgraph=False, dynamic=False)


def attention_backends(unet: torch.nn.Module) -> set[str]:
    """The attention processor classes a UNet uses (AttnProcessor2_0 is SDPA)."""
    processors = getattr(unet, "attn_processors", {})
    return {type(p).__name__ for p in processors.values()}
