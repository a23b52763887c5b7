"""A tiny FLUX.1 built in code: the real FluxPipeline classes with random weights.

FLUX.1-schnell / FLUX.1-dev are 12 B parameters and cannot be downloaded here, but the code
path that loads and runs them (FluxPipeline.from_pretrained on a folder, FluxImg2ImgPipeline
derived with from_pipe for promote and iterate) can run on CPU with a model of a few hundred
thousand parameters in the same layout: a CLIP text encoder for the pooled prompt, a T5 encoder
for the sequence, a flow-matching transformer and a 16-channel (here 4-channel) VAE. Tests save
it with ``save_pretrained`` and configure a family on that folder, exactly as a team would point
a family at a downloaded FLUX checkpoint.
"""

from __future__ import annotations

from pathlib import Path

import torch
from diffusers import (
    AutoencoderKL,
    FlowMatchEulerDiscreteScheduler,
    FluxPipeline,
    FluxTransformer2DModel,
)
from transformers import CLIPTextModel, T5Config, T5EncoderModel, T5TokenizerFast

from models.tiny import _text_config, build_tokenizer

SEED = 20261202
LATENT_CHANNELS = 4  # FLUX packs 2x2 latent patches: the transformer sees 4x as many channels


def build_t5_tokenizer() -> T5TokenizerFast:
    """A character-level Unigram T5 tokenizer (printable ASCII and the word marker ▁), made
    without a SentencePiece model file."""
    chars = [chr(c) for c in range(32, 127)] + ["▁"]
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)] + [(c, -1.0) for c in chars]
    return T5TokenizerFast(vocab=vocab, extra_ids=0, model_max_length=512)


def build_tiny_flux(seed: int = SEED, native_side: int = 128) -> FluxPipeline:
    """A FluxPipeline with random weights; the same seed gives the same weights anywhere."""
    with torch.random.fork_rng(devices=[]):
        tokenizer = build_tokenizer()
        tokenizer_2 = build_t5_tokenizer()
        torch.manual_seed(seed)
        text_encoder = CLIPTextModel(_text_config(tokenizer))
        torch.manual_seed(seed + 1)
        text_encoder_2 = T5EncoderModel(
            T5Config(
                vocab_size=len(tokenizer_2),
                d_model=32,
                d_kv=8,
                d_ff=37,
                num_layers=2,
                num_heads=4,
                pad_token_id=0,
                eos_token_id=1,
                decoder_start_token_id=0,
            )
        )
        torch.manual_seed(seed + 2)
        vae = AutoencoderKL(
            in_channels=3,
            out_channels=3,
            block_out_channels=(8, 16, 16, 32),  # four blocks: FLUX's downsampling factor 8
            down_block_types=("DownEncoderBlock2D",) * 4,
            up_block_types=("UpDecoderBlock2D",) * 4,
            layers_per_block=1,
            latent_channels=LATENT_CHANNELS,
            norm_num_groups=8,
            sample_size=native_side,
            use_quant_conv=False,  # as FLUX.1's VAE
            use_post_quant_conv=False,
            shift_factor=0.1159,  # FLUX.1's latent shift and scale
            scaling_factor=0.3611,
        )
        torch.manual_seed(seed + 3)
        transformer = FluxTransformer2DModel(
            patch_size=1,
            in_channels=LATENT_CHANNELS * 4,
            num_layers=1,
            num_single_layers=1,
            attention_head_dim=16,
            num_attention_heads=2,
            joint_attention_dim=32,  # T5's d_model
            pooled_projection_dim=32,  # CLIP's pooled width
            axes_dims_rope=(4, 4, 8),
        )
    pipe = FluxPipeline(
        # FLUX.1-schnell's schedule: shift 1, no resolution-dependent shift.
        scheduler=FlowMatchEulerDiscreteScheduler(shift=1.0, use_dynamic_shifting=False),
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        text_encoder_2=text_encoder_2,
        tokenizer_2=tokenizer_2,
        transformer=transformer,
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


def write_tiny_flux(folder: Path, seed: int = SEED) -> Path:
    """Save a tiny FLUX in the layout FLUX.1 repos use (model_index.json + one folder each)."""
    build_tiny_flux(seed).save_pretrained(folder)
    return folder
