"""Inpainting and upscaling through the runner: shared modules, sizes, invariance, cancel."""

import numpy as np
import pytest
import torch
from diffusers import StableDiffusionUpscalePipeline, StableDiffusionXLInpaintPipeline
from PIL import Image

from models import masks, sdxl
from models.inpaint import InpaintRequest
from models.request import GenerationCancelled, GenerationRequest
from models.runner import ModelRunner
from models.tiny import build_tiny_pipelines
from models.tiny_upscale import build_tiny_upscaler
from models.upscale import UpscaleRequest


@pytest.fixture(scope="module")
def source(runner) -> Image.Image:
    request = GenerationRequest(tier="draft", prompt="a boat", width=128, height=64, seeds=(3,))
    return runner.generate(request).images[0].image


def edit(source: Image.Image, cells=(1, 5), **changes) -> InpaintRequest:
    values = dict(
        tier="draft",
        prompt="a lighthouse",
        image=source,
        mask=masks.feather(masks.grid_mask(source.width, source.height, list(cells))),
        seeds=(11,),
    )
    values.update(changes)
    return InpaintRequest(**values)


def test_inpainting_shares_every_module_of_the_tier(runner):
    pipe = runner.inpaint_pipeline("draft")
    assert isinstance(pipe, StableDiffusionXLInpaintPipeline)
    base = runner.pipeline("draft")
    for name in ("unet", "vae", "text_encoder", "text_encoder_2", "tokenizer"):
        assert getattr(pipe, name) is getattr(base, name), name
    assert runner.inpaint_pipeline("draft") is pipe, "derived once"


def test_inpaint_changes_only_the_masked_area_and_is_deterministic(runner, source):
    request = edit(source, seeds=(11, 12))
    steps = []
    result = runner.inpaint(request, progress=lambda i, s, n: steps.append((i, s, n)))
    assert [g.seed for g in result.images] == [11, 12] and result.scheduler == "Euler a"
    before = np.asarray(source).astype(int)
    soft = np.asarray(request.mask)
    for generated in result.images:
        after = np.asarray(generated.image).astype(int)
        assert generated.image.size == source.size
        assert (after[soft == 0] == before[soft == 0]).all()
        assert np.abs(after[soft == 255] - before[soft == 255]).mean() > 1
    assert steps[-1] == (1, 2, 2)
    assert result.timings["batch_size"] == 2  # both seeds in one pipeline call
    for index, seed in enumerate((11, 12)):  # each replays alone, byte for byte
        again = runner.inpaint(edit(source, seeds=(seed,))).images[0].image
        assert again.tobytes() == result.images[index].image.tobytes(), seed


def test_inpaint_at_a_working_size_still_keeps_the_source_pixels(runner, source):
    request = edit(source, cells=(9,), work_size=(64, 64))
    out = np.asarray(runner.inpaint(request).images[0].image)
    soft = np.asarray(request.mask)
    assert out.shape == (64, 128, 3)
    assert (out[soft == 0] == np.asarray(source)[soft == 0]).all()


def test_inpaint_refuses_an_empty_mask_and_stops_on_cancel(runner, source):
    empty = Image.new("L", source.size, 0)
    with pytest.raises(ValueError, match="nothing to regenerate"):
        runner.inpaint(edit(source, mask=empty))
    with pytest.raises(GenerationCancelled):
        runner.inpaint(edit(source), cancelled=lambda: True)


def test_upscale_x4_and_x2_sizes_tiles_and_determinism(runner, source):
    seen = []
    x4 = runner.upscale(
        UpscaleRequest(image=source, scale=4, seed=1), progress=lambda i, s, n: seen.append((s, n))
    )
    assert x4.image.size == (512, 256) and x4.model_id == "dailies/tiny-x4-upscaler"
    assert x4.tiles == 5 * 3 and seen[-1] == (x4.tiles * x4.steps, x4.tiles * x4.steps)
    x2 = runner.upscale(UpscaleRequest(image=source, scale=2, seed=1))
    assert x2.image.size == (256, 128)
    expected = np.asarray(x4.image.resize((256, 128), Image.Resampling.LANCZOS)).astype(int)
    # ×2 = ×4 then Lanczos, tile by tile: equal but for the blended tile borders.
    assert np.abs(np.asarray(x2.image).astype(int) - expected).mean() < 2
    odd = runner.upscale(UpscaleRequest(image=source.crop((0, 0, 45, 37)), scale=4, seed=1))
    assert odd.image.size == (180, 148), "sizes that are not multiples of 8 come out exact"


def test_upscale_refuses_past_its_bound_before_loading_and_cancels(runner, source):
    with pytest.raises(ValueError, match="above the limit of 300 px"):
        runner.upscale(UpscaleRequest(image=source, scale=4, seed=1, max_side=300))
    with pytest.raises(ValueError, match="one of"):
        runner.upscale(UpscaleRequest(image=source, scale=3, seed=1))
    with pytest.raises(GenerationCancelled):
        runner.upscale(UpscaleRequest(image=source, scale=4, seed=1), cancelled=lambda: True)


def test_the_real_family_inpaints_with_from_pipe_and_loads_the_x4_upscaler(monkeypatch):
    """Offline: tiny stand-ins for the downloads, as tests/models/test_sdxl.py does."""
    tiny = build_tiny_pipelines()
    calls = []

    def pipeline(model_id, **options):
        calls.append((model_id, options))
        return tiny["final"]

    def unet(model_id, **options):
        return tiny["draft"].unet

    def upscaler(model_id, **options):
        calls.append((model_id, options))
        if options.get("variant") == "fp16":
            raise OSError("no file named diffusion_pytorch_model.fp16.safetensors")
        return build_tiny_upscaler()

    monkeypatch.setattr(sdxl.StableDiffusionXLPipeline, "from_pretrained", pipeline)
    monkeypatch.setattr(sdxl.UNet2DConditionModel, "from_pretrained", unet)
    monkeypatch.setattr(StableDiffusionUpscalePipeline, "from_pretrained", upscaler)
    runner = ModelRunner("sdxl", device="cpu", dtype=torch.float32)
    pipe = runner.inpaint_pipeline("final")
    assert isinstance(pipe, StableDiffusionXLInpaintPipeline)
    assert pipe.unet is runner.pipeline("final").unet
    image = Image.new("RGB", (64, 64), (200, 40, 40))
    described = runner.describe_inpaint(edit(image, tier="final"))
    assert described.model_id == "stabilityai/stable-diffusion-xl-base-1.0"

    half = ModelRunner("sdxl", device="cpu", dtype=torch.bfloat16)
    _, preset = half.upscaler()
    assert preset.model_id == "stabilityai/stable-diffusion-x4-upscaler"
    upscale_calls = [c for c in calls if c[0] == preset.model_id]
    assert [c[1].get("variant") for c in upscale_calls] == ["fp16", None], "fp16, else full"


def test_every_upscaler_has_its_licence_named_with_its_family():
    from models.presets import FAMILIES
    from models.upscale_presets import UPSCALERS

    for name, preset in UPSCALERS.items():
        assert FAMILIES[name].licences[preset.model_id] == preset.licence
