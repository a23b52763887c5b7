"""A FLUX family from config: FluxPipeline.from_pretrained on folders (tiny FLUX models saved in
the FLUX.1 layout), drafts, promote and iterate through FluxImg2ImgPipeline at the asked size."""

import io
import tomllib

import pytest
from diffusers import FluxImg2ImgPipeline, FluxPipeline
from PIL import Image

from models.families import parse_family
from models.request import GenerationRequest
from models.runner import ModelRunner
from models.tiny_flux import write_tiny_flux


def png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def flux(tmp_path_factory):
    schnell = write_tiny_flux(tmp_path_factory.mktemp("flux-schnell"), seed=1)
    dev = write_tiny_flux(tmp_path_factory.mktemp("flux-dev"), seed=2)
    family = parse_family(
        "flux",
        tomllib.loads(f"""
[tiers.draft]
backend = "diffusers"
model = "{schnell}"
pipeline = "FluxPipeline"
scheduler = "FlowMatch Euler"
native_side = 128
default_steps = 2
max_steps = 4
guidance = 0.0
strength = 0.5
[tiers.final]
backend = "diffusers"
model = "{dev}"
native_side = 192
default_steps = 4
max_steps = 8
guidance = 3.5
"""),
    )
    runner = ModelRunner(family, device="cpu")
    runner.warm()
    return runner, schnell, dev


def ask(**changes):
    values = dict(tier="draft", prompt="a red fox", width=128, height=192, seeds=(3, 4))
    values.update(changes)
    return GenerationRequest(**values)


def test_flux_drafts_load_from_the_folder_and_are_deterministic(flux):
    runner, schnell, _ = flux
    assert type(runner.pipeline("draft")) is FluxPipeline
    result = runner.generate(ask())
    assert [g.image.size for g in result.images] == [(128, 192)] * 2
    assert (result.model_id, result.scheduler, result.steps) == (str(schnell), "FlowMatch Euler", 2)
    again = runner.generate(ask(seeds=(3,)))
    assert png(again.images[0].image) == png(result.images[0].image)
    assert png(result.images[0].image) != png(result.images[1].image)


def test_promote_and_iterate_run_flux_img2img_at_the_tier_size(flux):
    runner, _, dev = flux
    draft = runner.generate(ask(seeds=(3,))).images[0].image
    final = runner.generate(
        ask(tier="final", width=192, height=256, init_image=draft, strength=0.55, seeds=(3,))
    )
    assert type(runner.pipeline("final", image_to_image=True)) is FluxImg2ImgPipeline
    assert final.model_id == str(dev) and final.images[0].image.size == (192, 256)
    iteration = runner.generate(ask(init_image=draft, strength=0.5, steps=4, seeds=(9,)))
    assert iteration.images[0].image.size == (128, 192)


def test_a_style_anchor_on_flux_says_there_is_no_ip_adapter(flux):
    runner, _, _ = flux
    anchor = Image.new("RGB", (64, 64), "red")
    with pytest.raises(ValueError, match="the flux models have no IP-Adapter for style anchors"):
        runner.generate(ask(anchor_image=anchor, seeds=(1,)))
