import pytest

from bot.config import Settings
from bot.jobs import rows as jobs
from bot.jobs.draft_options import OptionsError
from bot.review import votes
from bot.review.iteration import (
    current_pick,
    img2img_steps,
    iteration_params,
    record_iteration,
    split_pick,
    thread_root_job,
)
from bot.store.database import Store
from models.presets import TINY
from tests.bot.review_rows import draft_job


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "db.sqlite")


def test_split_pick_finds_hash_and_versioned_references():
    assert split_pick("#3 make it night") == ("make it night", (None, 3))
    assert split_pick("make it night, from v2#1 --n 2") == ("make it night, from --n 2", (2, 1))
    assert split_pick("make it night") == ("make it night", None)
    assert split_pick("colour#3 stays") == ("colour#3 stays", None), "only a word on its own"


def test_img2img_steps_always_run_at_least_one_step():
    assert img2img_steps(1, 0.6, 8) == 2
    assert int(img2img_steps(1, 0.3, 8) * 0.3) >= 1
    assert img2img_steps(4, 0.6, 8) == 4
    with pytest.raises(OptionsError, match="over this tier's limit"):
        img2img_steps(1, 0.05, 8)


def test_the_pick_is_the_latest_iterations_leader_or_the_named_variant(store):
    v1, (a1, a2) = draft_job(store)
    assert thread_root_job(store, "C1", "1.0").id == v1.id
    assert current_pick(store, "C1", "1.0", None)["id"] == a1, "no votes: #1"
    votes.toggle_vote(store, a2, "U2")
    assert current_pick(store, "C1", "1.0", None)["id"] == a2
    _, (b1, b2) = draft_job(store, iteration=2, parent=v1.id, init=a2, seed=50)
    assert current_pick(store, "C1", "1.0", None)["id"] == b1, "v1's votes do not count for v2"
    votes.toggle_vote(store, b2, "U3")
    assert current_pick(store, "C1", "1.0", None)["id"] == b2
    assert current_pick(store, "C1", "1.0", (None, 1))["id"] == b1
    assert current_pick(store, "C1", "1.0", (1, 2))["id"] == a2
    with pytest.raises(OptionsError, match="no v7 with images"):
        current_pick(store, "C1", "1.0", (7, 1))
    with pytest.raises(OptionsError, match="no #5 in v1: they are #1–#2"):
        current_pick(store, "C1", "1.0", (1, 5))


def test_a_reply_keeps_settings_unless_its_flags_change_them(store):
    v1, (a1, _, _) = draft_job(store, n=3)
    settings = Settings(models="tiny")
    pick = {"id": a1, "prompt": "a cat", "job_id": v1.id, "width": 128, "height": 128}
    kept = iteration_params("at night", pick, v1, settings, TINY, 2)
    assert kept["prompt"] == "a cat, at night" and kept["negative_prompt"] == "dogs"
    assert len(kept["seeds"]) == 3 and kept["aspect"] == "1:1" and kept["init_asset_id"] == a1
    assert kept["strength"] == 0.6 and int(kept["steps"] * kept["strength"]) >= 1
    changed = iteration_params("--ar 16:9 --n 1 --seed 9 --no rain", pick, v1, settings, TINY, 2)
    assert changed["prompt"] == "a cat" and changed["seeds"] == [9]
    assert changed["negative_prompt"] == "rain" and changed["width"] > changed["height"]
    with pytest.raises(OptionsError, match="between 1 and 8"):
        iteration_params("x --n 20", pick, v1, settings, TINY, 2)
    long_pick = {**pick, "prompt": "a" * 1995}
    with pytest.raises(OptionsError, match="this thread's prompt would be 2003 characters"):
        iteration_params("warmer", long_pick, v1, settings, TINY, 2)


def test_record_iteration_numbers_versions(store):
    draft_job(store)
    settings = Settings(models="tiny")
    args = {"user_id": "U2", "channel_id": "C1", "thread_ts": "1.0"}
    first = record_iteration(store, settings, TINY, reply="one", **args)
    second = record_iteration(store, settings, TINY, reply="two", **args)
    assert (first.params["iteration"], second.params["iteration"]) == (2, 3)
    assert first.status == "held" and first.user_id == "U2"


def test_a_batch_still_rendering_is_not_picked(store):
    v1, (a1, _) = draft_job(store)
    v2, _ = draft_job(store, iteration=2, parent=v1.id, init=a1, seed=50)
    jobs.update_job(store, v2.id, status=jobs.RUNNING)
    assert current_pick(store, "C1", "1.0", None)["id"] == a1
    with pytest.raises(OptionsError, match="no v2 with images"):
        current_pick(store, "C1", "1.0", (2, 1))
