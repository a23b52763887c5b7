"""DAILIES_MODELS=auto: the real models where a CUDA GPU is, the tiny family everywhere else."""

import torch

from bot.runtime import resolve_family_name


def test_auto_picks_sdxl_with_cuda_and_tiny_without(monkeypatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_family_name("auto") == "sdxl"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_family_name("auto") == "tiny"


def test_a_named_family_is_taken_as_asked(monkeypatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_family_name("tiny") == "tiny"
    assert resolve_family_name("sdxl") == "sdxl"
