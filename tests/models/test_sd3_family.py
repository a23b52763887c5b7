"""An SD 3.5 family from config: StableDiffusion3Pipeline loaded by folder (a tiny SD3 saved in
the repo layout), drafts, promote (StableDiffusion3Img2ImgPipeline) and iterate."""

import io
import tomllib

import pytest
from diffusers import StableDiffusion3Img2ImgPipeline, StableDiffusion3Pipeline

from models.families import parse_family
from models.request import GenerationRequest
from models.runner import ModelRunner
from models.tiny_sd3 import write_tiny_sd3


def png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def sd3(tmp_path_factory):
    folder = write_tiny_sd3(tmp_path_factory.mktemp("sd35"))
    family = parse_family(
        "sd35",
        tomllib.loads(f"""
[tiers.draft]
backend = "diffusers"
model = "{folder}"
native_side = 128
default_steps = 2
max_steps = 8
guidance = 0.0
strength = 0.5
[tiers.final]
backend = "diffusers"
model = "{folder}"
native_side = 192
default_steps = 4
max_steps = 40
guidance = 4.5
"""),
    )
    runner = ModelRunner(family, device="cpu")
    runner.warm()
    return runner


def test_sd35_drafts_promote_and_iterate(sd3):
    assert type(sd3.pipeline("draft")) is StableDiffusion3Pipeline
    assert sd3.pipeline("draft").transformer is sd3.pipeline("final").transformer, "shared"
    ask = dict(prompt="a red fox", width=128, height=192, seeds=(3,))
    draft = sd3.generate(GenerationRequest(tier="draft", **ask))
    again = sd3.generate(GenerationRequest(tier="draft", **ask))
    assert draft.images[0].image.size == (128, 192) and draft.scheduler == "FlowMatch Euler"
    assert png(draft.images[0].image) == png(again.images[0].image)
    source = draft.images[0].image
    final = sd3.generate(
        GenerationRequest(
            tier="final",
            prompt="a red fox",
            width=192,
            height=256,
            seeds=(3,),
            init_image=source,
            strength=0.55,
        )
    )
    assert type(sd3.pipeline("final", image_to_image=True)) is StableDiffusion3Img2ImgPipeline
    assert final.images[0].image.size == (192, 256) and (final.steps, final.guidance) == (4, 4.5)
    iteration = sd3.generate(
        GenerationRequest(tier="draft", init_image=source, strength=0.5, steps=4, **ask)
    )
    assert png(iteration.images[0].image) != png(source)
