"""The tiny family's IP-Adapter: a small CLIP image encoder and adapter weights built in code.

Style anchors must take the real diffusers path in tests (``load_ip_adapter``, IP-Adapter
attention processors, ``ip_adapter_image`` at call time), so we build what the Hub would give
the way diffusers' IP-Adapter tests do: a ``CLIPVisionModelWithProjection`` from a small config
and an adapter state dict shaped after the UNet. Everything is seeded on its own, so the weights
are identical in every process and an anchored image is reproducible from its seed.
"""

from __future__ import annotations

import torch
from diffusers import UNet2DConditionModel
from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

from models.tiny import SEED

IMAGE_SIZE = 224  # the CLIP processor resizes to the encoder's image_size; 224 is CLIP's own
PATCH = 32  # 7x7 patches: tiny and fast on CPU
IMAGE_EMBED = 32  # the encoder's projection_dim, which the adapter's image projection reads
IP_TOKENS = 4  # IP-Adapter (not Plus) turns one image embedding into 4 context tokens
_WEIGHT_STD = 0.2  # large enough that an anchor visibly changes random-weight images


def build_image_encoder() -> CLIPVisionModelWithProjection:
    config = CLIPVisionConfig(
        hidden_size=32,
        intermediate_size=37,
        projection_dim=IMAGE_EMBED,
        num_hidden_layers=2,
        num_attention_heads=4,
        image_size=IMAGE_SIZE,
        patch_size=PATCH,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(SEED + 10)
        return CLIPVisionModelWithProjection(config).eval()


def build_image_processor() -> object:
    """The CLIP preprocessor; transformers 5 names its PIL-only variant (no torchvision here)."""
    import transformers

    cls = getattr(transformers, "CLIPImageProcessorPil", None) or transformers.CLIPImageProcessor
    return cls(size={"shortest_edge": IMAGE_SIZE}, crop_size=IMAGE_SIZE)


def _hidden_size(unet: UNet2DConditionModel, name: str) -> int:
    channels = list(unet.config.block_out_channels)
    if name.startswith("mid_block"):
        return channels[-1]
    if name.startswith("up_blocks"):
        return list(reversed(channels))[int(name.split(".")[1])]
    return channels[int(name.split(".")[1])]


def build_ip_adapter_state_dict(unet: UNet2DConditionModel) -> dict[str, dict[str, torch.Tensor]]:
    """IP-Adapter weights in the layout ``load_ip_adapter`` reads from ``ip-adapter_sdxl.bin``:
    ``image_proj`` (embedding → 4 tokens) and ``ip_adapter`` (to_k_ip/to_v_ip per cross-attention
    layer, numbered 1, 3, 5… like the original checkpoints)."""
    cross = unet.config.cross_attention_dim
    seed = SEED + 11 + sum((i + 1) * c for i, c in enumerate(unet.config.block_out_channels))
    attention: dict[str, torch.Tensor] = {}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        key = 1
        for name in unet.attn_processors:
            if name.endswith("attn1.processor"):
                continue  # self-attention has no image branch
            hidden = _hidden_size(unet, name)
            attention[f"{key}.to_k_ip.weight"] = torch.randn(hidden, cross) * _WEIGHT_STD
            attention[f"{key}.to_v_ip.weight"] = torch.randn(hidden, cross) * _WEIGHT_STD
            key += 2
        projection = {
            "proj.weight": torch.randn(IP_TOKENS * cross, IMAGE_EMBED) * _WEIGHT_STD,
            "proj.bias": torch.zeros(IP_TOKENS * cross),
            "norm.weight": torch.ones(cross),
            "norm.bias": torch.zeros(cross),
        }
    return {"image_proj": projection, "ip_adapter": attention}
