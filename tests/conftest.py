"""Whole-suite settings: no model hub is reachable in tests, so never try it."""

import os

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def pytest_collection_modifyitems(config, items):
    """Ray tests share one local Ray started once; run them together, last, so the rest of the
    suite does not run beside Ray's processes on a small machine."""
    items.sort(key=lambda item: "ray_cluster" in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session")
def ray_cluster():
    """One local Ray for every Ray engine test (starting Ray takes seconds)."""
    import ray

    ray.init(num_cpus=2, include_dashboard=False, namespace="dailies", logging_level="ERROR")
    yield
    ray.shutdown()
