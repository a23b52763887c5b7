"""Pure generation: requests in, images and timings out. Knows nothing of Slack or SQLite.

The runner's names load lazily: importing torch and diffusers takes seconds, and the bot's
handlers and CLI need only the request dataclasses and presets.
"""

import logging
from typing import TYPE_CHECKING, Any

from models.hub import ModelUnavailable
from models.presets import (
    DRAFT,
    FAMILIES,
    FINAL,
    Family,
    TierPreset,
    get_family,
    size_for_aspect,
)
from models.request import (
    CancelCheck,
    GeneratedImage,
    GenerationCancelled,
    GenerationRequest,
    GenerationResult,
    ProgressCallback,
)


class _NoTorchvisionFallbackNotes(logging.Filter):
    """transformers warns once per image processor that torchvision is missing and it uses the
    PIL one instead — which is what we want (torchvision is not a dependency). Three such lines
    on every run read as errors to a newcomer; only these are dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "requires torchvision (not installed)" not in record.getMessage()


logging.getLogger("transformers.utils.import_utils").addFilter(_NoTorchvisionFallbackNotes())

if TYPE_CHECKING:
    from models.runner import ModelRunner, default_device, default_dtype, scheduler_name

_LAZY = {"ModelRunner", "default_device", "default_dtype", "scheduler_name"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from models import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'models' has no attribute {name!r}")


__all__ = [
    "DRAFT",
    "FAMILIES",
    "FINAL",
    "CancelCheck",
    "Family",
    "GeneratedImage",
    "GenerationCancelled",
    "GenerationRequest",
    "GenerationResult",
    "ModelRunner",
    "ModelUnavailable",
    "ProgressCallback",
    "TierPreset",
    "default_device",
    "default_dtype",
    "get_family",
    "scheduler_name",
    "size_for_aspect",
]
