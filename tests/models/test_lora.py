"""A LoRA changes the images it is asked for and leaves every later job byte-identical."""

import io

import pytest

from models.lora import LoraError, a1111_tags, parse_lora_flag, parse_loras
from models.request import GenerationRequest, LoraUse
from models.runner import ModelRunner
from models.tiny_lora import write_tiny_lora


def png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def lora_file(tmp_path_factory):
    return write_tiny_lora(tmp_path_factory.mktemp("lora"))


def ask(**changes):
    values = dict(tier="draft", prompt="a red fox", width=128, height=128, seeds=(11,))
    values.update(changes)
    return GenerationRequest(**values)


def test_a_lora_changes_pixels_and_unloads_cleanly(runner: ModelRunner, lora_file):
    before = png(runner.generate(ask()).images[0].image)
    brand = LoraUse("brand", str(lora_file), 1.0)
    styled = runner.generate(ask(loras=(brand,)))
    assert styled.loras == (brand,)
    assert png(styled.images[0].image) != before
    after = png(runner.generate(ask()).images[0].image)
    assert after == before, "a later job without the LoRA is untouched"
    assert not any("lora" in name for name, _ in runner.pipeline("draft").unet.named_modules())


def test_the_weight_scales_the_change(runner, lora_file):
    full = png(runner.generate(ask(loras=(LoraUse("b", str(lora_file), 1.0),))).images[0].image)
    half = png(runner.generate(ask(loras=(LoraUse("b", str(lora_file), 0.3),))).images[0].image)
    assert full != half


def test_image_to_image_gets_the_lora_too(runner, lora_file):
    source = runner.generate(ask()).images[0].image
    plain = runner.generate(ask(init_image=source, strength=0.5, steps=4)).images[0].image
    styled = (
        runner.generate(
            ask(init_image=source, strength=0.5, steps=4, loras=(LoraUse("b", str(lora_file)),))
        )
        .images[0]
        .image
    )
    assert png(plain) != png(styled)


def test_a_lora_that_cannot_load_fails_in_words_and_leaves_nothing(runner, tmp_path):
    before = png(runner.generate(ask()).images[0].image)
    missing = LoraUse("brand", str(tmp_path / "nope.safetensors"))
    with pytest.raises(LoraError, match="LoRA 'brand' could not be loaded from"):
        runner.generate(ask(loras=(missing,)))
    assert png(runner.generate(ask()).images[0].image) == before


def test_lora_tables_and_flags():
    specs = parse_loras(
        {
            "brand": {"file": "/l/brand.safetensors", "weight": 0.7, "trigger": ["bx style"]},
            "grain": {"repo": "team/grain-lora", "weight_name": "grain.safetensors"},
        }
    )
    assert specs["brand"].trigger == "bx style" and specs["grain"].weight == 1.0
    chosen = parse_lora_flag("brand:0.8, grain", specs)
    assert [(s.name, w) for s, w in chosen] == [("brand", 0.8), ("grain", 1.0)]
    assert a1111_tags(tuple(s.use(w) for s, w in chosen)) == "<lora:brand:0.8> <lora:grain:1>"
    with pytest.raises(LoraError, match="Unknown LoRA `logo`; known LoRAs: brand, grain"):
        parse_lora_flag("logo", specs)
    with pytest.raises(LoraError, match="weight must be between -2 and 2, got 5"):
        parse_lora_flag("brand:5", specs)
