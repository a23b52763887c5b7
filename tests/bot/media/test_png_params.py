import io

from PIL import Image

from bot.media.png_params import CHUNK, ImageParameters, parse_parameters
from bot.store.assets import png_bytes


def sample(**changes):
    values = dict(
        prompt="a red sneaker, on wet marble",
        negative_prompt="text, logo",
        steps=4,
        sampler="Euler a",
        cfg_scale=0.0,
        seed=42,
        width=448,
        height=576,
        model="stabilityai/sdxl-turbo",
    )
    values.update(changes)
    return ImageParameters(**values)


def test_text_is_in_automatic1111_layout():
    assert sample().to_text() == (
        "a red sneaker, on wet marble\n"
        "Negative prompt: text, logo\n"
        "Steps: 4, Sampler: Euler a, CFG scale: 0, Seed: 42, Size: 448x576, "
        "Model: stabilityai/sdxl-turbo"
    )


def test_round_trip_through_a_png_file():
    params = sample(denoising_strength=0.55, prompt="line one\nline two")
    data = png_bytes(Image.new("RGB", (8, 8), "red"), params)
    with Image.open(io.BytesIO(data)) as image:
        text = image.text[CHUNK]
    assert parse_parameters(text) == params


def test_without_negative_prompt():
    params = sample(negative_prompt="")
    assert "Negative prompt" not in params.to_text()
    assert parse_parameters(params.to_text()) == params
