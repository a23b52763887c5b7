"""Style anchors through the tiny family's IP-Adapter: real diffusers path, deterministic."""

import io

import pytest
import torch
from PIL import Image

from models import masks, sdxl
from models.inpaint import InpaintRequest
from models.presets import get_family
from models.request import GenerationRequest
from models.runner import ModelRunner
from models.style import DEFAULT_ANCHOR_SCALE, SDXL_IP_ADAPTER
from models.tiny import build_tiny_pipelines
from models.tiny_style import build_ip_adapter_state_dict


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def request(**changes) -> GenerationRequest:
    base = {"tier": "draft", "prompt": "a teapot", "width": 64, "height": 64, "seeds": (3,)}
    return GenerationRequest(**{**base, **changes})


RED = Image.new("RGB", (80, 80), (220, 30, 30))
BLUE = Image.new("RGB", (80, 80), (20, 40, 230))


def test_anchor_changes_the_image_and_unanchored_images_are_untouched(runner):
    plain_before = png(runner.generate(request()).images[0].image)
    red = runner.generate(request(anchor_image=RED))
    assert red.anchor_scale == DEFAULT_ANCHOR_SCALE
    red_bytes = png(red.images[0].image)
    assert red_bytes != plain_before, "the anchor must condition the image"
    assert png(runner.generate(request(anchor_image=BLUE)).images[0].image) != red_bytes
    assert png(runner.generate(request(anchor_image=RED)).images[0].image) == red_bytes
    plain_after = runner.generate(request())
    assert plain_after.anchor_scale is None
    assert png(plain_after.images[0].image) == plain_before


def test_scale_zero_is_the_plain_image_and_scale_is_bounded(runner):
    plain = png(runner.generate(request()).images[0].image)
    weak = runner.generate(request(anchor_image=RED, anchor_scale=0.0))
    assert weak.anchor_scale == 0.0
    assert png(weak.images[0].image) == plain
    assert png(runner.generate(request(anchor_image=RED, anchor_scale=0.9)).images[0].image) != (
        plain
    )
    with pytest.raises(ValueError, match="between 0 and 1"):
        runner.generate(request(anchor_image=RED, anchor_scale=1.5))


def test_anchor_works_for_finals_and_image_to_image_sharing_one_encoder(runner):
    final = runner.generate(request(tier="final", anchor_image=RED, steps=2))
    assert final.anchor_scale == DEFAULT_ANCHOR_SCALE
    init = Image.new("RGB", (64, 64), (90, 200, 90))
    img2img = runner.generate(request(init_image=init, strength=0.5, anchor_image=BLUE))
    assert img2img.anchor_scale == DEFAULT_ANCHOR_SCALE
    pipes = [runner.pipeline("draft"), runner.pipeline("final"), runner.pipeline("draft", True)]
    encoders = {id(p.image_encoder) for p in pipes}
    assert len(encoders) == 1 and None not in {p.image_encoder for p in pipes}


def test_inpainting_after_an_anchored_call_runs_as_if_no_anchor_had_run(runner):
    """Inpainting shares the tier's UNet with the anchored pipelines: it must put the adapter
    back itself, and give the pixels a never-anchored runner gives."""

    fresh = ModelRunner("tiny", device="cpu")
    source = fresh.generate(request(width=128)).images[0].image
    edit = InpaintRequest(
        tier="draft",
        prompt="a bird",
        image=source,
        mask=masks.feather(masks.grid_mask(128, 64, [5])),
        seeds=(2,),
    )
    init = Image.new("RGB", (64, 64), (90, 200, 90))

    def inpainted(runner: ModelRunner) -> bytes:
        return png(runner.inpaint(edit).images[0].image)

    expected = inpainted(fresh)
    runner.generate(request(anchor_image=RED))
    assert inpainted(runner) == expected
    runner.generate(request(init_image=init, strength=0.5, anchor_image=RED))
    assert inpainted(runner) == expected


def test_sdxl_loads_h94_adapter_once_per_unet_and_shares_the_encoder(monkeypatch):
    tiny = build_tiny_pipelines()
    monkeypatch.setattr(
        sdxl.StableDiffusionXLPipeline, "from_pretrained", lambda *a, **k: tiny["final"]
    )
    monkeypatch.setattr(
        sdxl.UNet2DConditionModel, "from_pretrained", lambda *a, **k: tiny["draft"].unet
    )
    calls = []
    original = sdxl.StableDiffusionXLPipeline.load_ip_adapter

    def fake_load(self, repo, subfolder, weight_name, **options):
        """Stand in for the download: what the Hub would give, built in code."""
        from models.tiny_style import build_image_encoder, build_image_processor

        calls.append((repo, subfolder, weight_name, self.image_encoder is None))
        if self.image_encoder is None:
            self.register_modules(
                image_encoder=build_image_encoder(), feature_extractor=build_image_processor()
            )
        original(
            self,
            build_ip_adapter_state_dict(self.unet),
            subfolder="",
            weight_name="",
            image_encoder_folder=None,
            low_cpu_mem_usage=False,
        )

    monkeypatch.setattr(sdxl.StableDiffusionXLPipeline, "load_ip_adapter", fake_load)
    runner = ModelRunner(get_family("sdxl"), device="cpu", dtype=torch.float32)
    for tier in ("draft", "final", "draft"):
        result = runner.generate(request(tier=tier, steps=1, anchor_image=RED, anchor_scale=0.4))
        assert result.anchor_scale == 0.4
    expected = (SDXL_IP_ADAPTER["repo"], "sdxl_models", "ip-adapter_sdxl.bin")
    assert [c[:3] for c in calls] == [expected, expected]
    assert [c[3] for c in calls] == [True, False], "the second tier reuses the image encoder"


def test_two_requests_on_the_same_anchor_share_a_batch_and_replay_alone(runner):
    from models.batch import Member

    first = request(prompt="a teapot", anchor_image=RED, seeds=(4,))
    second = request(prompt="a kettle", anchor_image=RED, seeds=(5, 6))
    together = runner.generate_many([Member.of(first), Member.of(second)])
    assert together[1].timings["batch_size"] == 3
    alone = runner.generate(second).images
    assert [png(g.image) for g in together[1].images] == [png(g.image) for g in alone]
    with pytest.raises(ValueError, match="must share"):
        runner.generate_many([Member.of(first), Member.of(request(anchor_image=BLUE))])
