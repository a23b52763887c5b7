"""Cross-request batching: who may share a batch, and that each job still gets its own results."""

from __future__ import annotations

import threading
import time

import pytest

from bot.jobs import batching
from bot.jobs import rows as jobs
from bot.jobs.engine import EmbeddedEngine
from bot.jobs.events import JobEvents, JobHooks
from bot.jobs.rows import Job
from bot.store.assets import job_assets
from bot.store.database import Store
from models.request import GenerationRequest
from models.runner import ModelRunner


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "db.sqlite")


@pytest.fixture(scope="module")
def tiny():
    runner = ModelRunner("tiny", device="cpu")
    runner.warm()
    return runner


def job(job_id: int, user: str, seeds: int = 1, tier: str = "draft") -> Job:
    params = {"tier": tier, "width": 128, "height": 128, "seeds": list(range(seeds))}
    return Job(id=job_id, kind="draft", status="queued", params=params, user_id=user)


def key(j: Job):
    return (j.params["tier"], j.params["width"])


def test_compatible_jobs_of_different_people_join_the_head_in_fair_order():
    ordered = [job(1, "ann"), job(2, "bob"), job(3, "cat", tier="final"), job(4, "dan")]
    assert [j.id for j in batching.pick_batch(ordered, key, 8)] == [1, 2, 4]


def test_a_persons_second_job_never_jumps_a_job_left_out():
    ordered = [job(1, "ann"), job(2, "cat", tier="final"), job(3, "ann"), job(4, "bob")]
    assert [j.id for j in batching.pick_batch(ordered, key, 8)] == [1, 4]
    # With nobody skipped ahead of it, the same person's next job may ride along.
    ordered = [job(1, "ann"), job(2, "ann"), job(3, "bob")]
    assert [j.id for j in batching.pick_batch(ordered, key, 8)] == [1, 2, 3]


def test_a_batch_holds_at_most_max_batch_images_and_the_head_always_runs():
    ordered = [job(1, "ann", seeds=4), job(2, "bob", seeds=4), job(3, "cat", seeds=2)]
    assert [j.id for j in batching.pick_batch(ordered, key, 6)] == [1, 3]
    assert [j.id for j in batching.pick_batch([job(1, "ann", seeds=9)], key, 8)] == [1]


def test_only_generation_jobs_with_the_same_settings_share_a_key(store):
    def make(kind="draft", **params):
        values = {"tier": "draft", "width": 128, "height": 128, "seeds": [1], "prompt": "p"}
        values.update(params)
        return jobs.create_job(store, kind, values, user_id="U", channel_id="C1")

    base = batching.batch_key(store, make())
    assert base is not None
    assert batching.batch_key(store, make(prompt="another prompt", seeds=[5, 6])) == base
    assert batching.batch_key(store, make(width=192)) != base
    assert batching.batch_key(store, make(steps=4)) != base
    assert batching.batch_key(store, make(init_asset_id=1, strength=0.5)) != base
    assert batching.batch_key(store, make(kind="upscale")) is None


class Recording:
    """The tiny runner, noting the size of every batch it is given."""

    def __init__(self, inner):
        self.inner = inner
        self.batches: list[list[str]] = []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def generate(self, request, **kwargs):
        self.batches.append([request.prompt])
        return self.inner.generate(request, **kwargs)

    def generate_many(self, members):
        self.batches.append([m.request.prompt for m in members])
        return self.inner.generate_many(members)


def run_queue(store, tmp_path, runner, prompts, cross_batch=True):
    """Queue one 1-variant draft per person, run them all, return {prompt: [png sha256]}."""
    ids = {}
    for n, prompt in enumerate(prompts):
        params = {"tier": "draft", "width": 128, "height": 128, "seeds": [40 + n], "prompt": prompt}
        ids[prompt] = jobs.create_job(store, "draft", params, user_id=f"U{n}", channel_id="C1").id
    finished = threading.Event()
    progress: dict[int, list[tuple[int, int]]] = {}

    def done(j, assets):
        if all(jobs.get_job(store, i).finished_at for i in ids.values()):
            finished.set()

    events = JobEvents()
    events.register(
        None,
        JobHooks(
            on_progress=lambda j, d, t: progress.setdefault(j.id, []).append((d, t)),
            on_done=done,
        ),
    )
    engine = EmbeddedEngine(
        store, tmp_path / "assets", events, lambda d: runner, ["cpu"], cross_batch=cross_batch
    )
    engine.start()
    try:
        assert finished.wait(120)
    finally:
        engine.stop()
    shas = {p: [a["sha256"] for a in job_assets(store, i)] for p, i in ids.items()}
    return shas, {p: progress[i] for p, i in ids.items()}


def test_queued_drafts_of_three_people_run_as_one_batch_each_with_its_own_result(
    store, tmp_path, tiny
):
    runner = Recording(tiny)
    prompts = ["a red kite", "a green boat", "a blue house"]
    shas, progress = run_queue(store, tmp_path, runner, prompts)
    assert runner.batches == [prompts], "one call for the three jobs, in fair order"
    for prompt in prompts:
        assert len(shas[prompt]) == 1
        assert progress[prompt][-1] == (2, 2), "each job sees its own steps"
    assert len({s[0] for s in shas.values()}) == 3, "each job got its own image"
    # The same bytes as when each job runs alone.
    alone_store = Store(tmp_path / "alone.sqlite")
    alone, _ = run_queue(alone_store, tmp_path / "alone", Recording(tiny), prompts, False)
    assert alone == shas


def test_cross_batching_off_runs_each_job_alone(store, tmp_path, tiny):
    runner = Recording(tiny)
    run_queue(store, tmp_path, runner, ["one", "two"], cross_batch=False)
    assert runner.batches == [["one"], ["two"]]


def test_a_cancelled_member_stops_alone_and_the_others_finish(tiny):
    def request(prompt, seed):
        return GenerationRequest("draft", prompt, 128, 128, (seed,), steps=3)

    from models.batch import Member

    steps: list[int] = []
    members = [
        Member.of(request("kept", 1)),
        Member.of(
            request("dropped", 2),
            progress=lambda i, s, n: steps.append(s),
            cancelled=lambda: bool(steps),
        ),
    ]
    kept, dropped = tiny.generate_many(members)
    assert type(dropped).__name__ == "GenerationCancelled" and steps == [1]
    alone = tiny.generate(request("kept", 1)).images[0].image
    assert kept.images[0].image.tobytes() == alone.tobytes()


def test_the_fair_share_claim_marks_every_batched_job_running(store):
    for n in range(3):
        params = {"tier": "draft", "width": 128, "height": 128, "seeds": [n], "prompt": "p"}
        jobs.create_job(store, "draft", params, user_id=f"U{n}", channel_id="C1")
        time.sleep(0.001)
    batch = batching.claim_batch(store, 8, cross_batch=True)
    assert [j.status for j in batch] == [jobs.RUNNING] * 3
    assert jobs.queue_order(store) == []


def test_idle_workers_share_the_queue_and_the_head_is_never_split():
    eight = [job(n, f"U{n}") for n in range(1, 9)]
    assert batching.share_limit(eight, 8, idle_workers=1) == 8
    assert batching.share_limit(eight, 8, idle_workers=2) == 4
    assert batching.share_limit(eight, 8, idle_workers=3) == 3
    assert batching.share_limit(eight, 2, idle_workers=2) == 2, "never above max_batch"
    big_head = [job(1, "ann", seeds=6), job(2, "bob")]
    assert batching.share_limit(big_head, 8, idle_workers=2) == 6


def test_two_idle_workers_split_eight_queued_drafts_between_them(store, tmp_path, tiny):
    runners = [Recording(tiny), Recording(tiny)]
    ids = []
    for n in range(8):
        params = {"tier": "draft", "width": 128, "height": 128, "seeds": [n], "prompt": f"p{n}"}
        ids.append(jobs.create_job(store, "draft", params, user_id=f"U{n}", channel_id="C1").id)
    finished = threading.Event()
    events = JobEvents()
    events.register(
        None,
        JobHooks(
            on_done=lambda j, a: (
                all(jobs.get_job(store, i).finished_at for i in ids) and finished.set()
            )
        ),
    )
    devices = iter(runners)
    engine = EmbeddedEngine(store, tmp_path / "assets", events, lambda d: next(devices), ["a", "b"])
    engine.start()
    try:
        assert finished.wait(120)
    finally:
        engine.stop()
    sizes = [len(b) for r in runners for b in r.batches]
    assert sum(sizes) == 8 and max(sizes) <= 4, f"shared between the two workers: {sizes}"
