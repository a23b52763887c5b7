import torch
from diffusers import EulerAncestralDiscreteScheduler, EulerDiscreteScheduler

from models.presets import DRAFT, FINAL
from models.tiny import build_tiny_pipelines, build_tokenizer


def test_tokenizer_takes_any_text_and_truncates_long_prompts():
    tokenizer = build_tokenizer()
    ids = tokenizer("Ünïcode 🦊 prompt, with punctuation!", padding="max_length").input_ids
    assert len(ids) == 77
    assert max(ids) < len(tokenizer)
    assert tokenizer.convert_ids_to_tokens(ids[0]) == "<|startoftext|>"
    long = tokenizer("word " * 500, truncation=True, max_length=77).input_ids
    assert len(long) == 77


def test_weights_are_identical_every_build_and_leave_global_rng_alone():
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    first = build_tiny_pipelines()
    assert torch.equal(torch.rand(3), expected_next)
    second = build_tiny_pipelines()
    for tier in (DRAFT, FINAL):
        for name in ("unet", "vae", "text_encoder", "text_encoder_2"):
            a = getattr(first[tier], name).state_dict()
            b = getattr(second[tier], name).state_dict()
            assert a.keys() == b.keys()
            assert all(torch.equal(a[k], b[k]) for k in a), (tier, name)


def test_tiers_share_encoders_and_vae_but_not_unets():
    pipes = build_tiny_pipelines()
    draft, final = pipes[DRAFT], pipes[FINAL]
    for name in ("vae", "text_encoder", "text_encoder_2", "tokenizer", "tokenizer_2"):
        assert getattr(draft, name) is getattr(final, name), name
    assert draft.unet is not final.unet
    size = [sum(p.numel() for p in pipe.unet.parameters()) for pipe in (draft, final)]
    assert size[0] < size[1]
    assert isinstance(draft.scheduler, EulerAncestralDiscreteScheduler)
    assert draft.scheduler.config.timestep_spacing == "trailing"
    assert isinstance(final.scheduler, EulerDiscreteScheduler)


def test_vae_downsamples_by_8_and_round_trips_block_colours():
    vae = build_tiny_pipelines()[DRAFT].vae
    assert 2 ** (len(vae.config.block_out_channels) - 1) == 8
    blocks = torch.rand(1, 3, 4, 6) * 2 - 1
    image = torch.nn.functional.interpolate(blocks, scale_factor=8)  # 32 x 48 of 8x8 blocks
    with torch.no_grad():
        latents = vae.encode(image).latent_dist.mean
        decoded = vae.decode(latents).sample
    assert latents.shape == (1, 4, 4, 6)
    assert torch.allclose(latents[:, :3] * vae.config.scaling_factor, blocks, atol=1e-4)
    assert torch.allclose(decoded, image, atol=1e-4)
