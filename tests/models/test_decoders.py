"""The fast draft decoder: TAESD-style AutoencoderTiny for drafts, the full VAE for finals."""

import pytest

from models.decoders import TINY_TAESD_ID, check_decoder
from models.request import GenerationRequest
from models.runner import ModelRunner


def request(tier="draft", seeds=(5, 6)) -> GenerationRequest:
    return GenerationRequest(tier=tier, prompt="a kite", width=128, height=64, seeds=seeds)


@pytest.fixture(scope="module")
def fast():
    runner = ModelRunner("tiny", device="cpu", draft_decoder="taesd")
    runner.warm()
    return runner


def test_drafts_decode_with_the_tiny_autoencoder_and_say_so(fast, runner):
    made = fast.generate(request())
    assert made.decoder == TINY_TAESD_ID == fast.describe(request()).decoder
    assert [g.image.size for g in made.images] == [(128, 64), (128, 64)]
    full = runner.generate(request())
    assert full.decoder is None
    assert made.images[0].image.tobytes() != full.images[0].image.tobytes()
    # Still reproducible alone, byte for byte.
    alone = fast.generate(request(seeds=(6,))).images[0].image
    assert alone.tobytes() == made.images[1].image.tobytes()


def test_finals_always_use_the_full_vae(fast, runner):
    final = fast.generate(request(tier="final", seeds=(1,)))
    assert final.decoder is None
    same = runner.generate(request(tier="final", seeds=(1,)))
    assert final.images[0].image.tobytes() == same.images[0].image.tobytes()


def test_an_unknown_decoder_is_refused_by_name():
    with pytest.raises(ValueError, match="known decoders: vae, taesd"):
        check_decoder("jpeg")
    with pytest.raises(ValueError, match="unknown draft decoder 'jpeg'"):
        ModelRunner("tiny", device="cpu", draft_decoder="jpeg")
