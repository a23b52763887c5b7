"""What a worker uses when the config names nothing (device, precision), and what people call
the samplers it records: shared by the runner and the pipelines it drives."""

from __future__ import annotations

from typing import Any

import torch

# What people call samplers (the names in A1111/Comfy UIs), recorded on assets.
SCHEDULER_NAMES = {
    "EulerAncestralDiscreteScheduler": "Euler a",
    "EulerDiscreteScheduler": "Euler",
    "DPMSolverMultistepScheduler": "DPM++ 2M",
    "DDIMScheduler": "DDIM",
    "LCMScheduler": "LCM",
    "UniPCMultistepScheduler": "UniPC",
    "FlowMatchEulerDiscreteScheduler": "FlowMatch Euler",
}


def default_device() -> str:
    """The device a worker uses when config names none."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def default_dtype(device: str) -> torch.dtype:
    """Half precision on GPUs (bf16 where supported: SDXL's VAE overflows in fp16), else fp32."""
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def scheduler_name(scheduler: Any) -> str:
    """The human name of a scheduler object, falling back to its class name."""
    cls = type(scheduler).__name__
    return SCHEDULER_NAMES.get(cls, cls)
