"""The Gemini backend through the real google-genai client against the local imitation."""

import tomllib

import numpy as np
import pytest
from PIL import Image

from models.backends import HostedModelError, HostedOptions
from models.families import parse_family
from models.request import GenerationCancelled, GenerationRequest
from models.runner import ModelRunner
from tests.gemini_imitation import GeminiImitation

BANANA = """
[tiers.draft]
backend = "gemini"
model = "gemini-2.5-flash-image"
[tiers.final]
backend = "gemini"
model = "gemini-3-pro-image-preview"
image_size = "2K"
"""


@pytest.fixture
def gemini():
    with GeminiImitation(api_key="k-test") as imitation:
        yield imitation


def runner(gemini, key="k-test", timeout_s=30.0):
    family = parse_family("banana", tomllib.loads(BANANA))
    options = HostedOptions(
        gemini_api_key=key,
        gemini_base_url=gemini.base_url,
        timeout_s=timeout_s,
        retries=2,
        retry_delay_s=0.05,
    )
    return ModelRunner(family, device="cpu", hosted=options)


def ask(tier="draft", **changes):
    values = dict(tier=tier, prompt="a red sneaker", width=1344, height=768, seeds=(3, 4))
    values.update(changes)
    return GenerationRequest(**values)


def test_a_draft_is_one_call_per_variant_and_says_it_is_not_reproducible(gemini):
    saved = []
    result = runner(gemini).generate(ask(), on_image=lambda i, g: saved.append((i, g.seed)))
    assert [g.seed for g in result.images] == [3, 4] and saved == [(0, 3), (1, 4)]
    assert result.model_id == "gemini-2.5-flash-image" and result.reproducible is False
    assert result.hosted_request["aspect_ratio"] == "16:9"
    assert "not give the same bytes" in result.hosted_request["note"]
    assert result.images[0].image.size == (1344 // 8, 768 // 8)  # what the service returned
    assert [r.model for r in gemini.requests] == ["gemini-2.5-flash-image"] * 2
    config = gemini.requests[0].config
    assert config["responseModalities"] == ["IMAGE"]
    assert config["imageConfig"] == {"aspectRatio": "16:9"}
    assert [r.config["seed"] for r in gemini.requests] == [3, 4]


def test_promote_sends_the_draft_as_input_image_at_the_tier_size(gemini):
    draft = Image.new("RGB", (64, 64), (10, 200, 30))
    result = runner(gemini).generate(ask("final", init_image=draft, strength=0.5, seeds=(9,)))
    sent = gemini.requests[0]
    assert sent.model == "gemini-3-pro-image-preview"
    assert sent.config["imageConfig"] == {"aspectRatio": "16:9", "imageSize": "2K"}
    assert len(sent.images) == 1 and sent.images[0].getpixel((5, 5)) == (10, 200, 30)
    assert "keeping its composition" in sent.text
    # the imitation pastes inputs into the lower half: the draft came back in the result
    out = np.asarray(result.images[0].image)
    assert tuple(out[-5, 5]) == (10, 200, 30)
    assert result.images[0].image.size == (1344 * 2 // 8, 768 * 2 // 8)


def test_an_anchor_is_sent_as_a_reference_image(gemini):
    anchor = Image.new("RGB", (32, 32), (250, 0, 250))
    runner(gemini).generate(ask(anchor_image=anchor, seeds=(1,), negative_prompt="text"))
    sent = gemini.requests[0]
    assert [i.getpixel((1, 1)) for i in sent.images] == [(250, 0, 250)]
    assert "reference image" in sent.text and "Do not include: text" in sent.text


def test_a_429_is_retried_by_the_sdk_then_succeeds(gemini):
    gemini.fail_next(429)
    result = runner(gemini).generate(ask(seeds=(1,)))
    assert len(result.images) == 1 and len(gemini.requests) == 2


def test_quota_exhausted_after_the_retries_is_one_line(gemini):
    gemini.fail_next(429, times=3)
    with pytest.raises(HostedModelError) as err:
        runner(gemini).generate(ask(seeds=(1,)))
    assert str(err.value) == (
        "Gemini refused the request for gemini-2.5-flash-image (429 RESOURCE_EXHAUSTED): You "
        "exceeded your current quota, please check your plan and billing details. The quota is "
        "used up for now; Retry later."
    )
    assert len(gemini.requests) == 3, "one try and the two configured retries"
    assert "\n" not in str(err.value)


def test_a_wrong_key_is_refused_and_says_which_setting(gemini):
    with pytest.raises(
        HostedModelError,
        match=r"\(400 INVALID_ARGUMENT\): API key not valid.*"
        r"Check GEMINI_API_KEY",
    ):
        runner(gemini, key="wrong").generate(ask(seeds=(1,)))


def test_no_key_is_refused_before_any_call(gemini):
    with pytest.raises(HostedModelError, match="GEMINI_API_KEY is not set: the draft tier"):
        runner(gemini, key="").generate(ask(seeds=(1,)))
    assert gemini.requests == []


def test_a_safety_block_is_shown_in_words(gemini):
    with pytest.raises(
        HostedModelError,
        match=r"Gemini blocked this prompt \(PROHIBITED_CONTENT"
        r"\); nothing was saved",
    ):
        runner(gemini).generate(ask(prompt="something forbidden", seeds=(1,)))
    with pytest.raises(HostedModelError, match=r"no image \(IMAGE_SAFETY\)"):
        runner(gemini).generate(ask(prompt="gore", seeds=(1,)))


def test_a_stalled_service_times_out_in_one_line(gemini):
    for _ in range(3):  # the SDK retries a timed-out attempt too: stall every attempt
        gemini.stall_next(30)
    with pytest.raises(HostedModelError, match=r"did not answer within 1 s; nothing was saved"):
        runner(gemini, timeout_s=1.0).generate(ask(seeds=(1,)))


def test_cancel_stops_before_the_next_call(gemini):
    calls = []

    def cancelled():
        return len(gemini.requests) >= 1 and calls.append(1) is None

    with pytest.raises(GenerationCancelled, match="cancelled after 1 of 2"):
        runner(gemini).generate(ask(), cancelled=cancelled)
    assert len(gemini.requests) == 1


def test_loras_are_not_sent_to_a_hosted_tier_and_not_recorded(gemini):
    from models.request import LoraUse

    result = runner(gemini).generate(ask(seeds=(1,), loras=(LoraUse("brand", "/x.safetensors"),)))
    assert result.loras == () and len(result.images) == 1


def test_a_region_edit_sends_image_mask_and_instruction_and_keeps_the_outside(gemini):
    from models.inpaint import InpaintRequest

    source = Image.new("RGB", (128, 96), (20, 40, 60))
    mask = Image.new("L", (128, 96), 0)
    mask.paste(255, (0, 0, 64, 48))
    runner_ = runner(gemini)
    request = InpaintRequest(
        tier="draft", prompt="a red scarf", image=source, mask=mask, seeds=(2,)
    )
    used = runner_.describe_inpaint(request)
    assert used.reproducible is False and "advisory" in used.hosted_request["mask"]
    result = runner_.inpaint(request)
    sent = gemini.requests[0]
    assert "a red scarf" in sent.text and "white in the mask" in sent.text
    assert [i.size for i in sent.images] == [(128, 96), (128, 96)]
    assert sent.config["imageConfig"]["aspectRatio"] == "4:3"
    out = result.images[0].image
    assert out.size == (128, 96)
    assert out.getpixel((100, 80)) == (20, 40, 60), "outside the mask: the source, exactly"
    assert out.getpixel((10, 10)) != (20, 40, 60), "inside: the model's answer"
