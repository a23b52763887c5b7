"""The tiny offline family: SDXL pipelines with random weights, built in code.

Tests and development need the real code path (the same pipeline classes, schedulers, callbacks
and img2img conversion as SDXL) without downloading gigabytes, and need it deterministic. So we
build SDXL-shaped models from small configs under a fixed seed, the way diffusers' own tests do
(`get_dummy_components`). Two UNets (draft, final) share text encoders, tokenizers and VAE, the
way SDXL-Turbo and SDXL base do, so sharing bugs show up here first.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path

import torch
from diffusers import (
    AutoencoderKL,
    EulerAncestralDiscreteScheduler,
    EulerDiscreteScheduler,
    StableDiffusionXLPipeline,
    UNet2DConditionModel,
)
from diffusers.models.attention_processor import Attention
from diffusers.models.downsampling import Downsample2D
from diffusers.models.resnet import ResnetBlock2D
from diffusers.models.upsampling import Upsample2D
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer
from transformers.convert_slow_tokenizer import bytes_to_unicode

from models.presets import DRAFT, FINAL, TINY, Family

SEED = 20261122
TEXT_HIDDEN = 32  # per encoder; the UNet sees both concatenated
TEXT_PROJECTION = 32  # pooled embedding of encoder 2, part of SDXL's added conditioning
TIME_EMBED = 8  # SDXL adds 6 time ids (original size, crop, target size) of this width each
BOS, EOS = "<|startoftext|>", "<|endoftext|>"
SCALING_FACTOR = 0.13025  # SDXL's latent scaling
_CONSTANT = 1000.0  # far above any colour value, so it alone sets the GroupNorm variance

# SDXL's schedule (scaled_linear 0.00085-0.012, steps_offset 1), so timesteps match the real one.
_SCHEDULE = {
    "num_train_timesteps": 1000,
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "steps_offset": 1,
}


def build_tokenizer() -> CLIPTokenizer:
    """A byte-level CLIP tokenizer that needs no download.

    CLIPTokenizer only loads from files, so we write a vocabulary of every byte character (alone
    and as a word end, `</w>`) plus the two special tokens, with no merges: any text tokenizes,
    one token per byte.
    """
    chars = list(bytes_to_unicode().values())
    tokens = chars + [c + "</w>" for c in chars] + [BOS, EOS]
    with tempfile.TemporaryDirectory(prefix="dailies-tiny-tok-") as tmp:
        path = Path(tmp)
        (path / "vocab.json").write_text(json.dumps({t: i for i, t in enumerate(tokens)}))
        (path / "merges.txt").write_text("#version: 0.2\n")
        # Without model_max_length, long prompts raise OverflowError instead of truncating.
        return CLIPTokenizer.from_pretrained(tmp, model_max_length=77)


def _text_config(tokenizer: CLIPTokenizer) -> CLIPTextConfig:
    return CLIPTextConfig(
        vocab_size=len(tokenizer),
        bos_token_id=tokenizer.convert_tokens_to_ids(BOS),
        # A real id (not the legacy 2) so pooling picks the first end-of-text token.
        eos_token_id=tokenizer.convert_tokens_to_ids(EOS),
        pad_token_id=tokenizer.convert_tokens_to_ids(EOS),
        hidden_size=TEXT_HIDDEN,
        intermediate_size=37,
        num_attention_heads=4,
        num_hidden_layers=2,
        hidden_act="gelu",
        projection_dim=TEXT_PROJECTION,
        max_position_embeddings=77,
    )


def _unet(channels: tuple[int, ...], native_side: int) -> UNet2DConditionModel:
    """An SDXL-style UNet: text_time added conditioning, cross-attention on both encoders."""
    n = len(channels)
    return UNet2DConditionModel(
        sample_size=native_side // 8,
        in_channels=4,
        out_channels=4,
        block_out_channels=channels,
        layers_per_block=1,
        down_block_types=("DownBlock2D",) + ("CrossAttnDownBlock2D",) * (n - 1),
        up_block_types=("CrossAttnUpBlock2D",) * (n - 1) + ("UpBlock2D",),
        attention_head_dim=tuple(max(1, c // 8) for c in channels),
        use_linear_projection=True,
        addition_embed_type="text_time",
        addition_time_embed_dim=TIME_EMBED,
        projection_class_embeddings_input_dim=6 * TIME_EMBED + TEXT_PROJECTION,
        cross_attention_dim=2 * TEXT_HIDDEN,
        transformer_layers_per_block=1,
        norm_num_groups=8,
    )


def _mosaic_vae() -> AutoencoderKL:
    """A real AutoencoderKL whose weights are set by hand to encode by 8x8 averaging.

    Random VAE weights turn every image into the same grey texture, so image-to-image could not
    be tested at all (the init image would not survive the round trip). Instead: every residual
    branch and attention output is zeroed (the blocks become identities), downsampling averages,
    upsampling repeats. Each colour travels as a (+x, -x) channel pair and a (+C, -C) pair keeps
    each GroupNorm's mean at 0 and its variance constant, so the norms become fixed scales, and
    SiLU(x) - SiLU(-x) = x undoes the activation exactly. Latents are the image's 8x8 block means
    (colour in channels 0-2), so drafts decode as coloured mosaics and img2img keeps its init.
    Four blocks give SDXL's downsampling factor of 8 (fewer would make huge latents).
    """
    vae = AutoencoderKL(
        in_channels=3,
        out_channels=3,
        block_out_channels=(8, 16, 16, 32),
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        layers_per_block=1,
        latent_channels=4,
        norm_num_groups=1,  # one group per norm, so each holds the (+C, -C) pair
        sample_size=TINY.tiers[FINAL].native_side,
        scaling_factor=SCALING_FACTOR,
        force_upcast=False,  # exact in any dtype; upcasting would only cost time
    )
    with torch.no_grad():
        for module in vae.modules():
            if isinstance(module, ResnetBlock2D):
                _zero(module.conv2)
                if module.conv_shortcut is not None:
                    _embed(module.conv_shortcut)
            elif isinstance(module, Attention):
                _zero(module.to_out[0])
            elif isinstance(module, Downsample2D):
                # Padded (0, 1, 0, 1) then strided by 2: the 2x2 top-left taps average a block.
                _zero(module.conv)
                for k in range(module.conv.out_channels):
                    module.conv.weight[k, k, :2, :2] = 0.25
            elif isinstance(module, Upsample2D):
                _embed(module.conv)  # after nearest-neighbour doubling
        _split(vae.encoder.conv_in, gains=(1.0, 1.0, 1.0))
        _merge(vae.encoder.conv_norm_out, vae.encoder.conv_out, gain=1 / SCALING_FACTOR)
        vae.encoder.conv_out.bias[4:] = -30.0  # log-variance: sampling adds ~nothing
        _embed(vae.quant_conv)
        _embed(vae.post_quant_conv)
        _split(vae.decoder.conv_in, gains=(SCALING_FACTOR,) * 3)
        _merge(vae.decoder.conv_norm_out, vae.decoder.conv_out, gain=1.0)
    return vae


def _zero(layer: torch.nn.Module) -> None:
    layer.weight.zero_()
    if layer.bias is not None:
        layer.bias.zero_()


def _embed(conv: torch.nn.Conv2d) -> None:
    """Channel k in, channel k out (centre tap only, so zero padding never leaks in)."""
    _zero(conv)
    kh, kw = conv.kernel_size
    for k in range(min(conv.in_channels, conv.out_channels)):
        conv.weight[k, k, kh // 2, kw // 2] = 1.0


def _split(conv: torch.nn.Conv2d, gains: tuple[float, ...]) -> None:
    """Colour c -> channels (2c, 2c+1) = (+g x, -g x); channels 6, 7 = (+C, -C) from the bias."""
    _zero(conv)
    kh, kw = conv.kernel_size
    for c, gain in enumerate(gains):
        conv.weight[2 * c, c, kh // 2, kw // 2] = gain
        conv.weight[2 * c + 1, c, kh // 2, kw // 2] = -gain
    conv.bias[6], conv.bias[7] = _CONSTANT, -_CONSTANT


def _merge(norm: torch.nn.GroupNorm, conv: torch.nn.Conv2d, gain: float) -> None:
    """Undo the norm's fixed scale and the SiLU, and take colour c from its channel pair."""
    # Mean is 0 by symmetry; variance = (2C^2 + small) / channels, so the std is C*sqrt(2/n).
    norm.weight.fill_(1.0)
    norm.weight[:6] = _CONSTANT * (2 / norm.num_channels) ** 0.5
    norm.bias.zero_()
    _zero(conv)
    kh, kw = conv.kernel_size
    for c in range(3):
        conv.weight[c, 2 * c, kh // 2, kw // 2] = gain
        conv.weight[c, 2 * c + 1, kh // 2, kw // 2] = -gain


def build_tiny_pipelines(family: Family = TINY) -> dict[str, StableDiffusionXLPipeline]:
    """Text-to-image pipelines per tier, sharing encoders, tokenizers and VAE.

    Every module is seeded on its own, so weights are identical in every process and do not
    depend on what was built before. The caller's global RNG is left untouched.
    """
    with torch.random.fork_rng(devices=[]):
        tokenizer = build_tokenizer()
        config = _text_config(tokenizer)
        torch.manual_seed(SEED)
        text_encoder = CLIPTextModel(config)
        torch.manual_seed(SEED + 1)
        text_encoder_2 = CLIPTextModelWithProjection(config)
        torch.manual_seed(SEED + 2)
        vae = _mosaic_vae()
        torch.manual_seed(SEED + 3)
        draft_unet = _unet((16, 32), family.tiers[DRAFT].native_side)
        torch.manual_seed(SEED + 4)
        final_unet = _unet((32, 64), family.tiers[FINAL].native_side)

    shared = {
        "vae": vae,
        "text_encoder": text_encoder,
        "text_encoder_2": text_encoder_2,
        "tokenizer": tokenizer,
        "tokenizer_2": tokenizer,  # SDXL's two tokenizers differ only in padding token
    }
    draft = StableDiffusionXLPipeline(
        unet=draft_unet,
        scheduler=EulerAncestralDiscreteScheduler(**_SCHEDULE, timestep_spacing="trailing"),
        add_watermarker=False,
        **shared,
    )
    final = StableDiffusionXLPipeline(
        unet=final_unet,
        scheduler=EulerDiscreteScheduler(**_SCHEDULE, timestep_spacing="leading"),
        add_watermarker=False,
        **shared,
    )
    for pipe in (draft, final):
        pipe.set_progress_bar_config(disable=True)
    return {DRAFT: draft, FINAL: final}


def load_tiny_pipelines(
    family: Family,
    device: str,
    dtype: torch.dtype,
    cache_dir: str | None = None,
    local_files_only: bool | None = None,
) -> dict[str, StableDiffusionXLPipeline]:
    """The loader the runner calls: build, then place (hub options do not apply)."""
    pipes = build_tiny_pipelines(family)
    # diffusers 0.42 warns on every cast with a dtype, even with no fp32-only modules to keep
    # ("modules that should be kept in float32: []"): mute that one logger while casting.
    modeling_logger = logging.getLogger("diffusers.models.modeling_utils")
    level = modeling_logger.level
    modeling_logger.setLevel(logging.ERROR)
    try:
        for pipe in pipes.values():
            pipe.to(device, dtype)
    finally:
        modeling_logger.setLevel(level)
    return pipes
