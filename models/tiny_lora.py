"""A tiny LoRA for the tiny family, built in code with peft: tests and the playground need a real
LoRA file (diffusers' format, safetensors) without downloading one."""

from __future__ import annotations

from pathlib import Path

import torch
from peft import LoraConfig
from peft.utils import get_peft_model_state_dict

from models.presets import DRAFT
from models.tiny import build_tiny_pipelines

SEED = 20261201
FILE_NAME = "pytorch_lora_weights.safetensors"


def write_tiny_lora(folder: Path, tier: str = DRAFT, rank: int = 4, seed: int = SEED) -> Path:
    """Train nothing: random low-rank updates on the tier UNet's attention projections, saved
    the way diffusers' training scripts save them. Returns the .safetensors file."""
    folder.mkdir(parents=True, exist_ok=True)
    with torch.random.fork_rng(devices=[]):
        pipe = build_tiny_pipelines()[tier]
        torch.manual_seed(seed)
        config = LoraConfig(
            r=rank,
            lora_alpha=rank,
            target_modules=["to_q", "to_k", "to_v", "to_out.0"],
            init_lora_weights="gaussian",  # A gaussian, B zero would change nothing: fill B too
        )
        pipe.unet.add_adapter(config)
        with torch.no_grad():
            for name, parameter in pipe.unet.named_parameters():
                if "lora_B" in name:
                    parameter.normal_(0.0, 0.5)
        layers = get_peft_model_state_dict(pipe.unet)
    type(pipe).save_lora_weights(folder, unet_lora_layers=layers, weight_name=FILE_NAME)
    return folder / FILE_NAME
