"""The tiny family's image-to-video tier: a Stable Video Diffusion pipeline with random weights.

Tests need the real code path (StableVideoDiffusionPipeline, its CLIP image encoder, temporal
VAE decoder, spatio-temporal UNet, Karras-sigma Euler schedule and step callbacks) offline and
deterministic, so the modules are built from small configs under a fixed seed, the way diffusers'
own tests do (`get_dummy_components`). Shapes follow the limits found in MODELS_NOTES.md: the
pipeline resizes the conditioning image to 224 px for CLIP, and the temporal decoder's GroupNorm
wants channels in multiples of 32. The frames are coloured noise, not motion.
"""

from __future__ import annotations

import logging

import torch
from diffusers import (
    AutoencoderKLTemporalDecoder,
    EulerDiscreteScheduler,
    StableVideoDiffusionPipeline,
    UNetSpatioTemporalConditionModel,
)
from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

try:  # transformers 5: the PIL backend, so a missing torchvision does not warn on every build
    from transformers import CLIPImageProcessorPil as CLIPImageProcessor
except ImportError:  # pragma: no cover - older transformers
    from transformers import CLIPImageProcessor

SEED = 20261206
IMAGE_EMBED = 32  # CLIP image projection = the UNet's cross-attention width
TIME_EMBED = 32  # SVD adds 3 time ids (fps, motion bucket, noise augmentation) of this width

# SVD-xt's scheduler config (v-prediction, Karras sigmas 0.002-700), so timesteps match the real
# pipeline's.
SVD_SCHEDULE = {
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "interpolation_type": "linear",
    "num_train_timesteps": 1000,
    "prediction_type": "v_prediction",
    "sigma_max": 700.0,
    "sigma_min": 0.002,
    "steps_offset": 1,
    "timestep_spacing": "leading",
    "timestep_type": "continuous",
    "use_karras_sigmas": True,
}


def build_tiny_video_pipeline() -> StableVideoDiffusionPipeline:
    """An SVD-shaped pipeline, identical in every process; the caller's RNG is left untouched."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(SEED)
        unet = UNetSpatioTemporalConditionModel(
            sample_size=16,
            in_channels=8,  # noisy latents + the conditioning image's latents
            out_channels=4,
            block_out_channels=(32, 64),
            layers_per_block=1,
            down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
            up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"),
            cross_attention_dim=IMAGE_EMBED,
            num_attention_heads=4,
            addition_time_embed_dim=TIME_EMBED,
            projection_class_embeddings_input_dim=3 * TIME_EMBED,
        )
        torch.manual_seed(SEED + 1)
        # Four blocks give SVD's downsampling factor of 8; GroupNorm(32) needs multiples of 32.
        vae = AutoencoderKLTemporalDecoder(
            in_channels=3,
            out_channels=3,
            block_out_channels=(32, 32, 32, 32),
            down_block_types=("DownEncoderBlock2D",) * 4,
            layers_per_block=1,
            latent_channels=4,
        )
        torch.manual_seed(SEED + 2)
        image_encoder = CLIPVisionModelWithProjection(
            CLIPVisionConfig(
                hidden_size=32,
                projection_dim=IMAGE_EMBED,
                num_hidden_layers=2,
                num_attention_heads=4,
                intermediate_size=37,
                image_size=224,  # the pipeline resizes to 224 before encoding
                patch_size=32,  # 7x7 patches keep the encoder tiny
            )
        )
    pipe = StableVideoDiffusionPipeline(
        vae=vae,
        image_encoder=image_encoder,
        unet=unet,
        scheduler=EulerDiscreteScheduler(**SVD_SCHEDULE),
        feature_extractor=CLIPImageProcessor(crop_size=224, size=224),
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


def load_tiny_video_pipeline(
    model_id: str,
    device: str,
    dtype: torch.dtype,
    cache_dir: str | None = None,
    local_files_only: bool | None = None,
) -> StableVideoDiffusionPipeline:
    """The loader the runner calls: build, then place (hub options do not apply)."""
    pipe = build_tiny_video_pipeline()
    # diffusers 0.42 warns on every cast with a dtype, even with no fp32-only modules to keep.
    modeling_logger = logging.getLogger("diffusers.models.modeling_utils")
    level = modeling_logger.level
    modeling_logger.setLevel(logging.ERROR)
    try:
        return pipe.to(device, dtype)
    finally:
        modeling_logger.setLevel(level)
