"""The real family's wiring, checked offline by standing tiny modules in for the downloads."""

import pytest
import torch
from diffusers import EulerAncestralDiscreteScheduler, EulerDiscreteScheduler

from models import sdxl
from models.presets import get_family
from models.request import GenerationRequest
from models.runner import ModelRunner
from models.tiny import build_tiny_pipelines


@pytest.fixture
def downloads(monkeypatch):
    """Replace from_pretrained with tiny stand-ins; returns the calls made."""
    tiny = build_tiny_pipelines()
    calls = []

    def pipeline(model_id, **options):
        calls.append((model_id, options))
        return tiny["final"]

    def unet(model_id, **options):
        calls.append((model_id, options))
        return tiny["draft"].unet

    monkeypatch.setattr(sdxl.StableDiffusionXLPipeline, "from_pretrained", pipeline)
    monkeypatch.setattr(sdxl.UNet2DConditionModel, "from_pretrained", unet)
    return calls


def test_drafts_reuse_base_modules_and_swap_in_the_turbo_unet(downloads):
    pipes = sdxl.load_sdxl_pipelines(get_family("sdxl"), "cpu", torch.float32)
    draft, final = pipes["draft"], pipes["final"]
    assert [model_id for model_id, _ in downloads] == [
        "stabilityai/stable-diffusion-xl-base-1.0",
        "stabilityai/sdxl-turbo",
    ]
    assert downloads[1][1]["subfolder"] == "unet"
    for name in ("vae", "text_encoder", "text_encoder_2", "tokenizer", "tokenizer_2"):
        assert getattr(draft, name) is getattr(final, name), name
    assert draft.unet is not final.unet
    assert isinstance(draft.scheduler, EulerAncestralDiscreteScheduler)
    assert draft.scheduler.config.timestep_spacing == "trailing"
    assert isinstance(final.scheduler, EulerDiscreteScheduler)


def test_half_precision_downloads_the_fp16_files(downloads):
    sdxl.load_sdxl_pipelines(get_family("sdxl"), "cpu", torch.bfloat16, cache_dir="/nowhere")
    for _, options in downloads:
        assert options["variant"] == "fp16"
        assert options[sdxl._DTYPE_KWARG] == torch.bfloat16
        assert options["cache_dir"] == "/nowhere"


def test_runner_records_the_real_model_ids(downloads):
    runner = ModelRunner("sdxl", device="cpu", dtype=torch.float32)
    request = GenerationRequest(tier="draft", prompt="x", width=64, height=64, seeds=(1,))
    result = runner.generate(request)
    assert (result.model_id, result.scheduler) == ("stabilityai/sdxl-turbo", "Euler a")
    assert (result.steps, result.guidance) == (2, 0.0)
    final = runner.generate(GenerationRequest(**{**request.__dict__, "tier": "final"}))
    assert (final.model_id, final.scheduler) == (
        "stabilityai/stable-diffusion-xl-base-1.0",
        "Euler",
    )
    assert (final.steps, final.guidance) == (30, 7.0)
