import pytest

from bot.config import Settings
from bot.review.promotion import final_params, lineage, record_promotion
from bot.store.assets import get_asset
from bot.store.database import Store
from models.presets import TINY
from tests.bot.review_rows import draft_job


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "db.sqlite")


def test_a_final_rerenders_the_draft_at_the_final_tier_with_its_seed(store):
    v1, (a1, _) = draft_job(store)
    draft = get_asset(store, a1)
    params = final_params(draft, v1, "U5", Settings(models="tiny"), TINY)
    assert (params["width"], params["height"]) == (256, 256)
    assert params["seeds"] == [draft["seed"]] and params["init_asset_id"] == a1
    assert params["strength"] == TINY.tiers["final"].default_strength
    assert int(params["steps"] * params["strength"]) >= 1
    assert (params["source_iteration"], params["source_variant"]) == (1, 1)


def test_finals_first_sets_priority_and_lineage_walks_back(store):
    v1, (_, a2) = draft_job(store)
    _, (b1,) = draft_job(store, iteration=2, n=1, parent=v1.id, init=a2, seed=70)
    job = record_promotion(store, Settings(models="tiny"), TINY, get_asset(store, b1), "U5", 10)
    assert job.kind == "final" and job.priority == 10 and job.thread_ts == "1.0"
    labels = [step.label for step in lineage(store, get_asset(store, b1))]
    assert labels == ["v1 #2", "v2 #1"]


def test_a_final_from_any_resize_variant_keeps_that_variants_own_aspect():
    from bot.jobs.edit_params import FORMATS, resize_params
    from bot.jobs.rows import Job

    source = {"id": 1, "width": 64, "height": 64, "tier": "draft", "prompt": "p", "variant": 1}
    picked = [FORMATS["1.91:1"], FORMATS["9:16"], FORMATS["1:1"]]
    params = resize_params(TINY, source, picked)
    assert params["aspect"] == "300:157", "whole numbers, never a label such as 1.91:1"
    job = Job(id=2, kind="resize", status="done", params=params)
    shapes = []
    for variant, fmt in enumerate(picked, start=1):
        asset = {"id": 10 + variant, "width": fmt.width, "height": fmt.height, "prompt": "p"}
        asset |= {"negative_prompt": "", "seed": 3, "variant": variant}
        final = final_params(asset, job, "U1", Settings(models="tiny"), TINY)
        shapes.append(
            (
                final["aspect"],
                (final["width"] > final["height"]) - (final["width"] < final["height"]),
            )
        )
    assert shapes == [("300:157", 1), ("9:16", -1), ("1:1", 0)]


def test_a_final_refuses_an_aspect_beyond_4_to_1_with_a_reason():
    from bot.jobs.draft_options import OptionsError
    from bot.jobs.edit_params import Format, resize_params
    from bot.jobs.rows import Job

    source = {"id": 1, "width": 64, "height": 64, "tier": "draft", "prompt": "p", "variant": 1}
    params = resize_params(TINY, source, [Format("5:1", 1280, 256)])
    job = Job(id=2, kind="resize", status="done", params=params)
    asset = {"id": 11, "width": 1280, "height": 256, "prompt": "p", "negative_prompt": ""}
    asset |= {"seed": 3, "variant": 1}
    with pytest.raises(OptionsError, match=r"\(5:1\) is too extreme .* within 1:4 to 4:1"):
        final_params(asset, job, "U1", Settings(models="tiny"), TINY)
