"""GPU options: channels_last and torch.compile on a worker's modules; SDPA attention."""

import pytest
import torch

from models import speed
from models.request import GenerationRequest
from models.runner import ModelRunner


def request(seeds=(1, 2)) -> GenerationRequest:
    return GenerationRequest("draft", "a kite", 128, 128, seeds)


def test_channels_last_reformats_the_unets_and_vae_and_still_generates():
    runner = ModelRunner("tiny", device="cpu", channels_last=True)
    made = runner.generate(request())
    unet = runner.pipeline("draft").unet
    assert unet.conv_in.weight.is_contiguous(memory_format=torch.channels_last)
    assert runner.pipeline("draft").vae.decoder.conv_in.weight.is_contiguous(
        memory_format=torch.channels_last
    )
    assert [g.image.size for g in made.images] == [(128, 128)] * 2


def test_attention_runs_through_pytorch_sdpa(runner):
    assert speed.attention_backends(runner.pipeline("draft").unet) == {"AttnProcessor2_0"}


def test_shared_modules_are_counted_once(runner):
    pipes = [runner.pipeline("draft"), runner.pipeline("final"), runner.pipeline("draft", True)]
    modules = speed.unique_modules(pipes, ("unet", "vae"))
    assert len(modules) == 3  # two UNets, one shared VAE


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_compiled_worker_warms_at_start_and_gives_the_same_images():
    plain = ModelRunner("tiny", device="cuda")
    compiled = ModelRunner("tiny", device="cuda", compile=True)
    compiled.warm()
    assert compiled.compile_seconds > 0
    a = plain.generate(request()).images[0].image
    b = compiled.generate(request()).images[0].image
    diff = torch.tensor(list(a.tobytes()), dtype=torch.int16) - torch.tensor(list(b.tobytes()))
    assert diff.abs().float().mean() < 2.0  # compiled kernels may round differently
