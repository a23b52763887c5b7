"""Loading weights from the Hugging Face Hub, failing with a message a person can act on.

A worker that cannot reach the Hub (offline, firewalled, no cache) gets a deep OSError from
huggingface_hub that names neither the tier nor the fix. The bot shows ModelUnavailable's message
to whoever asked, so it says which model, and what would make it load.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class ModelUnavailable(Exception):
    """A family's weights could not be loaded (no Hub access and no local copy, usually)."""

    def __init__(self, model_id: str, cause: BaseException | None = None) -> None:
        self.model_id = model_id
        reason = f" ({type(cause).__name__}: {_first_line(cause)})" if cause else ""
        super().__init__(
            f"model {model_id!r} could not be loaded{reason}. It needs Hugging Face Hub access "
            "to download once, or a local cache that already holds it (HF_HOME or cache_dir); "
            "with HF_HUB_OFFLINE=1 only the cache is read. The 'tiny' family needs neither."
        )


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0][:300] if text else "no message"


def hub_options(cache_dir: str | None, local_files_only: bool | None) -> dict[str, Any]:
    """from_pretrained keyword arguments; None leaves diffusers' defaults (env variables)."""
    options: dict[str, Any] = {}
    if cache_dir is not None:
        options["cache_dir"] = cache_dir
    if local_files_only is not None:
        options["local_files_only"] = local_files_only
    return options


def load(model_id: str, loader: Callable[..., T], **kwargs: Any) -> T:
    """`loader(model_id, **kwargs)`, turning 'cannot get the files' into ModelUnavailable.

    huggingface_hub's offline and not-found errors are OSErrors; diffusers raises ValueError
    when a requested variant (fp16) is missing from what it found.
    """
    try:
        return loader(model_id, **kwargs)
    except (OSError, ValueError) as err:
        raise ModelUnavailable(model_id, err) from err
