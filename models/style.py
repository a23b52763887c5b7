"""Style anchors: condition a generation on a reference image with the family's IP-Adapter.

Loading an IP-Adapter rewires the UNet (its cross-attention processors gain an image branch and
it gains an image projection), after which every call must pass an image. Reloading per request
would cost seconds on SDXL, and leaving it wired would change un-anchored images. So each UNet
is loaded once per runner, and both wirings are kept: an un-anchored call switches back to the
exact processor objects the UNet had before, so its pixels are what they would have been if no
anchor had ever run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from diffusers import DiffusionPipeline, UNet2DConditionModel
from PIL import Image

from models.hub import hub_options, load
from models.request import DEFAULT_ANCHOR_SCALE

# The SDXL IP-Adapter (ViT-bigG image encoder in sdxl_models/image_encoder), Apache-2.0.
SDXL_IP_ADAPTER = {
    "repo": "h94/IP-Adapter",
    "subfolder": "sdxl_models",
    "weight_name": "ip-adapter_sdxl.bin",
}


def anchor_scale(image: Image.Image | None, scale: float | None) -> float | None:
    """The scale a request will use: None without an anchor; a ValueError a person can read."""
    if image is None:
        return None
    value = DEFAULT_ANCHOR_SCALE if scale is None else float(scale)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"the anchor scale must be between 0 and 1, got {value:g}")
    return value


@dataclass
class _Wiring:
    """What IP-Adapter loading changes on a UNet, so it can be switched back exactly."""

    processors: dict[str, Any]
    projection: torch.nn.Module | None
    projection_type: str | None

    @classmethod
    def of(cls, unet: UNet2DConditionModel) -> _Wiring:
        return cls(
            dict(unet.attn_processors), unet.encoder_hid_proj, unet.config.encoder_hid_dim_type
        )

    def apply(self, unet: UNet2DConditionModel) -> None:
        # set_attn_processor pops from the dict it is given: hand it a copy.
        unet.set_attn_processor(dict(self.processors))
        unet.encoder_hid_proj = self.projection
        unet.config.encoder_hid_dim_type = self.projection_type


@dataclass
class _Adapted:
    unet: UNet2DConditionModel  # held so its id() stays unique while we key on it
    plain: _Wiring
    styled: _Wiring
    active: bool = True


class StyleAdapters:
    """A runner's IP-Adapters: one per UNet, sharing one image encoder across tiers."""

    def __init__(
        self, family: str, device: str, dtype: torch.dtype, hub: dict[str, Any] | None = None
    ) -> None:
        # A family without an IP-Adapter is refused when an anchor is used, not at start.
        self.family = family
        self.device = device
        self.dtype = dtype
        self.hub = hub or {}
        self.image_encoder: torch.nn.Module | None = None
        self.feature_extractor: Any = None
        self._adapted: dict[int, _Adapted] = {}

    def prepare(
        self, pipe: DiffusionPipeline, image: Image.Image | None, scale: float | None
    ) -> dict[str, Any]:
        """Wire ``pipe`` for this call and return the extra call arguments (none un-anchored)."""
        # FLUX and other transformer pipelines have no UNet (and no IP-Adapter here).
        adapted = self._adapted.get(id(getattr(pipe, "unet", None)))
        if image is None:
            if adapted is not None and adapted.active:
                adapted.plain.apply(pipe.unet)
                adapted.active = False
            return {}
        if adapted is None:
            adapted = self._load(pipe)
        elif not adapted.active:
            adapted.styled.apply(pipe.unet)
            adapted.active = True
        self._share_encoder(pipe)
        pipe.set_ip_adapter_scale(anchor_scale(image, scale))
        return {"ip_adapter_image": image.convert("RGB")}

    def _load(self, pipe: DiffusionPipeline) -> _Adapted:
        if self.family not in ADAPTER_LOADERS:
            raise ValueError(
                f"the {self.family} models have no IP-Adapter for style anchors; "
                "unlock the style (or use --anchor none) for them"
            )
        plain = _Wiring.of(pipe.unet)
        self._share_encoder(pipe)
        with _quiet_casts():
            ADAPTER_LOADERS[self.family](pipe, self)
        if self.image_encoder is None:
            self.image_encoder = pipe.image_encoder
            self.feature_extractor = pipe.feature_extractor
        adapted = _Adapted(pipe.unet, plain, _Wiring.of(pipe.unet))
        self._adapted[id(pipe.unet)] = adapted
        return adapted

    def _share_encoder(self, pipe: DiffusionPipeline) -> None:
        """Pipelines derived before the adapter was loaded (img2img, other tiers) lack the
        encoder; give them the one already loaded rather than loading it again."""
        if self.image_encoder is not None and getattr(pipe, "image_encoder", None) is None:
            pipe.register_modules(
                image_encoder=self.image_encoder, feature_extractor=self.feature_extractor
            )


def _load_tiny(pipe: DiffusionPipeline, adapters: StyleAdapters) -> None:
    from models.tiny_style import (
        build_image_encoder,
        build_image_processor,
        build_ip_adapter_state_dict,
    )

    if getattr(pipe, "image_encoder", None) is None:
        encoder = build_image_encoder().to(adapters.device, adapters.dtype)
        pipe.register_modules(image_encoder=encoder, feature_extractor=build_image_processor())
    pipe.load_ip_adapter(
        build_ip_adapter_state_dict(pipe.unet),
        subfolder="",
        weight_name="",
        image_encoder_folder=None,  # registered above
        low_cpu_mem_usage=False,  # accelerate's meta-device loading buys nothing at this size
    )


def _load_sdxl(pipe: DiffusionPipeline, adapters: StyleAdapters) -> None:
    """h94's SDXL adapter; its ViT-bigG encoder is downloaded once, then shared by tiers."""
    load(
        SDXL_IP_ADAPTER["repo"],
        pipe.load_ip_adapter,
        subfolder=SDXL_IP_ADAPTER["subfolder"],
        weight_name=SDXL_IP_ADAPTER["weight_name"],
        **hub_options(adapters.hub.get("cache_dir"), adapters.hub.get("local_files_only")),
    )
    if pipe.image_encoder is not None:
        pipe.image_encoder.to(adapters.device, adapters.dtype)


ADAPTER_LOADERS: dict[str, Callable[[DiffusionPipeline, StyleAdapters], None]] = {
    "tiny": _load_tiny,
    "sdxl": _load_sdxl,
}


@contextmanager
def _quiet_casts() -> Any:
    """diffusers warns on every cast with a dtype ("modules that should be kept in float32: []")."""
    modeling_logger = logging.getLogger("diffusers.models.modeling_utils")
    level = modeling_logger.level
    modeling_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        modeling_logger.setLevel(level)
