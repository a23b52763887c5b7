"""A tiny ×4 diffusion upscaler built in code, for tests and development without downloads.

Same class and shapes as stabilityai/stable-diffusion-x4-upscaler (StableDiffusionUpscalePipeline:
a UNet fed the noisy latents plus the noised low-resolution image, noise level as class label,
a 3-block VAE that decodes ×4), with the small config of diffusers' own fast tests
(``get_dummy_components``-style) and random weights under a fixed seed. Its pictures are noise;
its sizes, timings per tile and determinism are the real pipeline's.
"""

from __future__ import annotations

import torch
from diffusers import (
    AutoencoderKL,
    DDIMScheduler,
    DDPMScheduler,
    StableDiffusionUpscalePipeline,
    UNet2DConditionModel,
)
from transformers import CLIPTextConfig, CLIPTextModel

from models.tiny import BOS, EOS, build_tokenizer

SEED = 20261123


def build_tiny_upscaler() -> StableDiffusionUpscalePipeline:
    with torch.random.fork_rng(devices=[]):
        tokenizer = build_tokenizer()
        torch.manual_seed(SEED)
        text_encoder = CLIPTextModel(
            CLIPTextConfig(
                vocab_size=len(tokenizer),
                bos_token_id=tokenizer.convert_tokens_to_ids(BOS),
                eos_token_id=tokenizer.convert_tokens_to_ids(EOS),
                pad_token_id=tokenizer.convert_tokens_to_ids(EOS),
                hidden_size=32,
                intermediate_size=37,
                num_attention_heads=4,
                num_hidden_layers=2,
                hidden_act="gelu",
                max_position_embeddings=77,
            )
        )
        torch.manual_seed(SEED + 1)
        unet = UNet2DConditionModel(
            block_out_channels=(8, 16),
            layers_per_block=1,
            sample_size=32,
            in_channels=7,  # 4 latent + 3 low-resolution image channels
            out_channels=4,
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
            cross_attention_dim=32,
            attention_head_dim=4,
            use_linear_projection=True,
            num_class_embeds=400,  # noise level is the class label; max_noise_level is 350
            norm_num_groups=4,
        )
        torch.manual_seed(SEED + 2)
        vae = AutoencoderKL(
            block_out_channels=(4, 8, 8),  # 3 blocks: decodes ×4, as the real upscaler's VAE
            in_channels=3,
            out_channels=3,
            down_block_types=("DownEncoderBlock2D",) * 3,
            up_block_types=("UpDecoderBlock2D",) * 3,
            latent_channels=4,
            norm_num_groups=4,
            scaling_factor=0.08333,
        )
    pipe = StableDiffusionUpscalePipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        low_res_scheduler=DDPMScheduler(),
        scheduler=DDIMScheduler(prediction_type="v_prediction"),
        max_noise_level=350,
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe
