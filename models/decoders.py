"""Turning latents into pictures: the family's full VAE, or a tiny autoencoder for drafts.

A one-step SDXL-Turbo draft at 512² spends more FLOPs in the full VAE decode (2.5 TFLOP) than in
its UNet step (1.6 TFLOP); TAESD (diffusers' ``AutoencoderTiny``) decodes the same latents for
~0.14 TFLOP with slightly softer detail. Drafts may use it (``DAILIES_DRAFT_DECODER=taesd``);
finals always use the full VAE. Which decoder made an image is recorded with it (asset row and
PNG parameters), so reproducing it is honest.

The runner asks its pipelines for latents and decodes here, image by image where slicing is
faster (CPU: a whole 512 px batch decoded 0.77x slower than one at a time), so each image can be
saved while the next one decodes.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import torch
from diffusers import AutoencoderTiny, DiffusionPipeline
from PIL import Image

from models.hub import hub_options, load

VAE, TAESD = "vae", "taesd"
DECODERS = (VAE, TAESD)
# The published tiny autoencoder per family (MIT); the tiny family builds its own in code.
FAST_DECODER_REPOS = {"sdxl": "madebyollin/taesdxl"}
TINY_TAESD_ID = "dailies/tiny-taesd"
TINY_TAESD_SEED = 20261201


def check_decoder(name: str) -> str:
    """The decoder name, or a ValueError listing the known ones (it comes from config)."""
    if name not in DECODERS:
        raise ValueError(f"unknown draft decoder {name!r}; known decoders: {', '.join(DECODERS)}")
    return name


def build_tiny_taesd() -> AutoencoderTiny:
    """A small AutoencoderTiny with random weights under a fixed seed (the tiny family's TAESD).

    Same layout as TAESD (factor 8: three upsampling stages), far fewer channels. The caller's
    global RNG is left untouched.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(TINY_TAESD_SEED)
        return AutoencoderTiny(
            encoder_block_out_channels=(8, 8, 8, 8),
            decoder_block_out_channels=(8, 8, 8, 8),
            num_encoder_blocks=(1, 1, 1, 1),
            num_decoder_blocks=(1, 1, 1, 1),
            latent_channels=4,
        )


class Decoders:
    """The fast decoder of one family on one device, loaded on first use and kept."""

    def __init__(self, family: str, device: str, dtype: torch.dtype, hub: dict[str, Any]) -> None:
        self.family = family
        self.device = device
        self.dtype = dtype
        self._hub = hub
        self._taesd: AutoencoderTiny | None = None
        self._taesd_id: str | None = None
        self._lock = threading.Lock()

    def provide(self, module: AutoencoderTiny, model_id: str) -> None:
        """Use this fast decoder instead of loading the family's (a benchmark's, built from a
        published config with random weights)."""
        with self._lock:
            self._taesd = module.to(self.device, self.dtype)
            self._taesd_id = model_id

    def model_id(self, name: str) -> str | None:
        """What is recorded for decoder ``name``: None for the family's own VAE."""
        if name == VAE:
            return None
        if self._taesd_id is not None:
            return self._taesd_id
        if self.family == "tiny":
            return TINY_TAESD_ID
        repo = FAST_DECODER_REPOS.get(self.family)
        if repo is None:
            raise ValueError(f"model family {self.family!r} has no fast decoder")
        return repo

    def taesd(self) -> AutoencoderTiny:
        with self._lock:
            if self._taesd is None:
                if self.family == "tiny":
                    model = build_tiny_taesd()
                else:
                    repo = self.model_id(TAESD)
                    assert repo is not None
                    model = load(repo, AutoencoderTiny.from_pretrained, **hub_options(**self._hub))
                quiet = logging.getLogger("diffusers.models.modeling_utils")
                level = quiet.level
                quiet.setLevel(logging.ERROR)
                try:
                    self._taesd = model.to(self.device, self.dtype)
                finally:
                    quiet.setLevel(level)
            return self._taesd

    def module(self, name: str, pipe: DiffusionPipeline) -> torch.nn.Module:
        return pipe.vae if name == VAE else self.taesd()


def decode(
    pipe: DiffusionPipeline, decoder: torch.nn.Module, latents: torch.Tensor
) -> list[Image.Image]:
    """What an SDXL pipeline does after its last step (unscale, decode, watermark, to PIL),
    with any decoder: same arithmetic as diffusers 0.42's, so images match its own output."""
    config = decoder.config
    needs_upcasting = decoder.dtype == torch.float16 and getattr(config, "force_upcast", False)
    if needs_upcasting:
        decoder.to(dtype=torch.float32)
    latents = latents.to(next(iter(decoder.parameters())).dtype)
    mean = getattr(config, "latents_mean", None)
    std = getattr(config, "latents_std", None)
    if mean is not None and std is not None:
        mean_t = torch.tensor(mean).view(1, 4, 1, 1).to(latents.device, latents.dtype)
        std_t = torch.tensor(std).view(1, 4, 1, 1).to(latents.device, latents.dtype)
        latents = latents * std_t / config.scaling_factor + mean_t
    else:
        latents = latents / config.scaling_factor
    with torch.no_grad():
        image = decoder.decode(latents, return_dict=False)[0]
    if needs_upcasting:
        decoder.to(dtype=torch.float16)
    watermark = getattr(pipe, "watermark", None)
    if watermark is not None:
        image = watermark.apply_watermark(image)
    return pipe.image_processor.postprocess(image, output_type="pil")
