"""A tiny Stable Diffusion 3.5 built in code: StableDiffusion3Pipeline's real classes with random
weights (two CLIP encoders with projection, a T5 encoder, an MMDiT transformer, a 16-channel-style
VAE here with 4 channels), saved in the SD 3.5 repo layout so a family can load it by folder."""

from __future__ import annotations

from pathlib import Path

import torch
from diffusers import (
    AutoencoderKL,
    FlowMatchEulerDiscreteScheduler,
    SD3Transformer2DModel,
    StableDiffusion3Pipeline,
)
from transformers import CLIPTextModelWithProjection, T5Config, T5EncoderModel

from models.tiny import _text_config, build_tokenizer
from models.tiny_flux import build_t5_tokenizer

SEED = 20261203


def build_tiny_sd3(seed: int = SEED, native_side: int = 128) -> StableDiffusion3Pipeline:
    with torch.random.fork_rng(devices=[]):
        tokenizer = build_tokenizer()
        tokenizer_3 = build_t5_tokenizer()
        config = _text_config(tokenizer)
        torch.manual_seed(seed)
        text_encoder = CLIPTextModelWithProjection(config)
        torch.manual_seed(seed + 1)
        text_encoder_2 = CLIPTextModelWithProjection(config)
        torch.manual_seed(seed + 2)
        text_encoder_3 = T5EncoderModel(
            T5Config(
                vocab_size=len(tokenizer_3),
                d_model=64,  # SD3 pads the two CLIP sequences (2 x 32) to T5's width
                d_kv=8,
                d_ff=37,
                num_layers=2,
                num_heads=4,
                pad_token_id=0,
                eos_token_id=1,
                decoder_start_token_id=0,
            )
        )
        torch.manual_seed(seed + 3)
        vae = AutoencoderKL(
            in_channels=3,
            out_channels=3,
            block_out_channels=(8, 16, 16, 32),
            down_block_types=("DownEncoderBlock2D",) * 4,
            up_block_types=("UpDecoderBlock2D",) * 4,
            layers_per_block=1,
            latent_channels=4,
            norm_num_groups=8,
            sample_size=native_side,
            use_quant_conv=False,  # as SD 3.5's VAE
            use_post_quant_conv=False,
            shift_factor=0.0609,  # SD 3.5's latent shift and scale
            scaling_factor=1.5305,
        )
        torch.manual_seed(seed + 4)
        transformer = SD3Transformer2DModel(
            sample_size=native_side // 8,
            patch_size=2,
            in_channels=4,
            out_channels=4,
            num_layers=2,
            attention_head_dim=8,
            num_attention_heads=4,
            joint_attention_dim=64,  # T5's width
            caption_projection_dim=32,
            pooled_projection_dim=64,  # both CLIP projections, concatenated
        )
    pipe = StableDiffusion3Pipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0),  # SD 3.5's schedule shift
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        text_encoder_2=text_encoder_2,
        tokenizer_2=tokenizer,
        text_encoder_3=text_encoder_3,
        tokenizer_3=tokenizer_3,
        transformer=transformer,
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


def write_tiny_sd3(folder: Path, seed: int = SEED) -> Path:
    build_tiny_sd3(seed).save_pretrained(folder)
    return folder
