import os

# No model hub here: fail fast instead of trying the network (read when huggingface_hub is first
# imported, so it only helps when these tests run first; the sdxl test forces local files itself).
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest

from models.runner import ModelRunner


@pytest.fixture(scope="module")
def runner() -> ModelRunner:
    """The tiny family on CPU, loaded once per test module (about 0.1 s)."""
    tiny = ModelRunner("tiny", device="cpu")
    tiny.warm()
    return tiny
