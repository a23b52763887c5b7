"""Device seconds per asset: measured around the real tiny runner, added up per job."""

from __future__ import annotations

import pytest

from bot.jobs import rows as jobs
from bot.jobs.generation import run_generation_job
from bot.quality.compute import MeteredRunner, device_kind, run_metered
from bot.store.assets import job_assets
from bot.store.database import Store
from models.request import GenerationCancelled
from models.runner import ModelRunner


@pytest.fixture(scope="module")
def runner():
    return ModelRunner("tiny", device="cpu")


def draft(store: Store, n: int = 3):
    params = {
        "tier": "draft",
        "prompt": "a red kite",
        "width": 64,
        "height": 64,
        "seeds": list(range(5, 5 + n)),
        "steps": 2,
    }
    return jobs.create_job(store, "draft", params, user_id="U1", channel_id="C1")


def test_every_asset_records_device_seconds_that_add_up_to_the_runs_model_time(tmp_path, runner):
    store = Store(tmp_path / "db.sqlite")
    job = draft(store)
    seen: list[MeteredRunner] = []

    def body(job, metered, *args):
        seen.append(metered)
        return run_generation_job(job, metered, *args)

    returned = run_metered(body, job, runner, store, tmp_path / "assets", None, lambda: False)
    rows = job_assets(store, job.id)
    assert len(rows) == 3
    assert all(r["device_s"] > 0 and r["device_kind"] == "cpu" for r in rows)
    assert sum(r["device_s"] for r in rows) == pytest.approx(seen[0].seconds)
    assert seen[0].calls == 1
    assert [r["device_s"] for r in returned] == [r["device_s"] for r in rows]
    assert rows[0]["tier"] == "draft" and rows[0]["model_id"] == "dailies/tiny-sdxl-draft"


def test_a_cancelled_job_keeps_the_cost_of_what_it_made(tmp_path):
    # One image per call, so the first variant is saved before the cancel lands.
    runner = ModelRunner("tiny", device="cpu", max_batch=1)
    store = Store(tmp_path / "db.sqlite")
    job = draft(store, n=3)
    made = []

    def progress(index, step, steps):
        made.append(index)

    def cancelled():
        return len(job_assets(store, job.id)) >= 1 or 1 in made

    with pytest.raises(GenerationCancelled):
        run_metered(
            run_generation_job, job, runner, store, tmp_path / "assets", progress, cancelled
        )
    rows = job_assets(store, job.id)
    assert rows and all(r["device_s"] > 0 for r in rows)


def test_device_kind_names_cpu_and_leaves_other_devices_readable():
    assert device_kind("cpu") == "cpu"
    assert device_kind("mps") == "mps"


@pytest.mark.gpu
def test_device_kind_names_the_gpu():
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no GPU")
    assert device_kind("cuda:0") == torch.cuda.get_device_name(0)


@pytest.mark.gpu
def test_on_cuda_device_seconds_are_synchronised_and_name_the_gpu(tmp_path):
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no GPU")
    store = Store(tmp_path / "db.sqlite")
    job = draft(store, n=2)
    gpu = ModelRunner("tiny", device="cuda:0")
    run_metered(run_generation_job, job, gpu, store, tmp_path / "assets", None, lambda: False)
    rows = job_assets(store, job.id)
    assert all(r["device_s"] > 0 for r in rows)
    assert {r["device_kind"] for r in rows} == {torch.cuda.get_device_name(0)}
