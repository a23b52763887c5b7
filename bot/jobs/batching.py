"""Cross-request batching: compatible queued jobs of different people share one UNet batch.

A draft of one variant leaves most of a GPU (or a CPU's vector units) idle; sixteen people's
one-variant drafts run as two batches of eight in far less time than sixteen calls. Jobs are
compatible when the batch can be one pipeline call: same kind of work (text- or image-to-image
generation), tier, size, steps, guidance, strength and style anchor (none, or the same one).
Each keeps its own prompt, negative prompt and seeds, and its own results, progress and cancel.

Fairness is the queue's (``rows.queue_order``): the head of the fair order always leads the
batch, and other jobs join in fair order while they fit in ``max_batch`` images. A person's
second job joins only when every job ahead of it in the fair order is already in the batch, so
merging never lets one person's queue jump anyone else's.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Hashable
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from bot.brand import anchors
from bot.jobs import rows as jobs
from bot.jobs.generation import GenerationPlan, plan_generation
from bot.jobs.lanes import claim_next_in
from bot.jobs.rows import Job
from bot.store.assets import job_assets
from bot.store.database import Store
from models.batch import Member
from models.request import GenerationCancelled

if TYPE_CHECKING:
    from bot.jobs.engine import Engine

log = logging.getLogger(__name__)

# Kinds whose body is bot/jobs/generation.py's, with nothing after it: they can share a call.
BATCHABLE_KINDS = frozenset({"draft", "vary"})


def batch_key(store: Store, job: Job) -> Hashable | None:
    """What a job must share with others to run in one call with them; None: it runs alone."""
    if job.kind not in BATCHABLE_KINDS:
        return None
    params = job.params
    if params.get("loras") or params.get("lane"):
        return None  # LoRAs load per call; hosted tiers run on their own lanes
    init = bool(params.get("init_asset_id"))
    anchor = anchors.for_job(store, params, job.channel_id, job.thread_ts)
    return (
        params.get("family"),
        params["tier"],
        params["width"],
        params["height"],
        params.get("steps"),
        params.get("guidance"),
        init,
        params.get("strength") if init else None,
        (anchor["id"], anchor["scale"]) if anchor is not None else None,
    )


def pick_batch(
    ordered: list[Job], key: Callable[[Job], Hashable | None], max_batch: int
) -> list[Job]:
    """The head of the fair order plus the compatible jobs that may join it (see module doc)."""
    head = ordered[0]
    head_key = key(head)
    batch = [head]
    if head_key is None:
        return batch
    images = len(head.params["seeds"])
    users = {head.user_id}
    prefix = True  # every job so far in fair order is in the batch
    for job in ordered[1:]:
        size = len(job.params["seeds"])
        joins = (
            images + size <= max_batch
            and (prefix or job.user_id not in users)
            and key(job) == head_key
        )
        if joins:
            batch.append(job)
            images += size
            users.add(job.user_id)
        else:
            prefix = False
        if images >= max_batch:
            break
    return batch


def share_limit(ordered: list[Job], max_batch: int, idle_workers: int) -> int:
    """Images this worker may take: its share of what is queued when other workers are idle
    too, so eight one-variant drafts become 4 + 4 on two free GPUs rather than 8 + nothing
    (the head job is never split)."""
    if idle_workers <= 1:
        return max_batch
    queued = sum(len(job.params.get("seeds") or [None]) for job in ordered)
    share = -(-queued // idle_workers)  # ceiling
    return max(len(ordered[0].params.get("seeds") or [None]), min(max_batch, share))


def claim_batch(
    store: Store,
    max_batch: int,
    cross_batch: bool,
    *,
    local_only: bool = False,
    idle_workers: int = 1,
) -> list[Job]:
    """Move the fairest queued job, and the jobs that may share its batch, to running.

    ``local_only`` leaves hosted tiers' jobs to their lanes (bot/jobs/lanes.py);
    ``idle_workers`` (this one included) share the queue between them (``share_limit``)."""
    if not cross_batch:
        job = claim_next_in(store, None) if local_only else jobs.claim_next(store)
        return [job] if job is not None else []
    with store.write() as db:
        order = jobs.queue_order(store)
        if local_only:
            order = [i for i in order if not jobs.get_job(store, i).params.get("lane")]
        if not order:
            return []
        head = jobs.get_job(store, order[0])
        ordered = [head]
        if batch_key(store, head) is not None:
            ordered += [jobs.get_job(store, job_id) for job_id in order[1 : 4 * max_batch]]
        keys: dict[int, Hashable | None] = {}

        def key(job: Job) -> Hashable | None:
            if job.id not in keys:
                keys[job.id] = batch_key(store, job)
            return keys[job.id]

        batch = pick_batch(ordered, key, share_limit(ordered, max_batch, idle_workers))
        now = time.time()
        for job in batch:
            db["jobs"].update(job.id, {"status": jobs.RUNNING, "started_at": now})
    return [jobs.get_job(store, job.id) for job in batch]


def run_merged(engine: Engine, batch: list[Job], runner: Any, stopping: threading.Event) -> None:
    """Run claimed jobs as one batch through ``runner.generate_many``, each to its own end.

    A job that cannot be planned (its source image is gone…) fails alone. If the shared call
    itself fails, each job runs again alone, so one bad job cannot fail the others; variants
    already saved are not made twice.
    """
    from bot.jobs.engine import EngineStopping, job_progress, plain_error

    for_family = getattr(runner, "for_family", None)
    if for_family is not None:  # batch_key keeps one family per batch
        runner = for_family(batch[0].params.get("family"))
    plans: list[GenerationPlan] = []
    for job in batch:
        engine.events.started(job)
        try:
            plan = plan_generation(job, runner, engine.store, engine.assets_dir)
        except Exception as exc:
            log.exception("job %s failed", job.id)
            message = plain_error(exc)
            finished = jobs.finish_job(engine.store, job.id, jobs.FAILED, message)
            engine.events.failed(finished, message)
            continue
        if plan is None:
            finished = jobs.finish_job(engine.store, job.id, jobs.DONE)
            engine.events.done(finished, job_assets(engine.store, job.id))
            continue
        plans.append(plan)
    if not plans:
        return

    def cancelled_for(job_id: int) -> Callable[[], bool]:
        def cancelled() -> bool:
            if stopping.is_set():
                raise EngineStopping()
            return jobs.cancel_requested(engine.store, job_id)

        return cancelled

    # Jobs merged on the same anchor share one image object: the runner wires the style
    # adapter once per call and checks that every member follows the same picture.
    shared: dict[int, Any] = {}
    for plan in plans:
        if plan.anchor_id is not None:
            image = shared.setdefault(plan.anchor_id, plan.request.anchor_image)
            plan.request = dataclasses.replace(plan.request, anchor_image=image)
    members = [
        Member.of(
            plan.request,
            job_progress(engine.events, plan.job),
            cancelled_for(plan.job.id),
            plan.save,
        )
        for plan in plans
    ]
    try:
        with ExitStack() as stack:
            for plan in plans:
                stack.enter_context(plan.saves)
            outcomes = runner.generate_many(members)
    except EngineStopping:
        log.info("batch %s interrupted by shutdown; it resumes at the next start", _ids(plans))
        for plan in plans:
            jobs.requeue_stopped(engine.store, plan.job.id)
        return
    except Exception:
        log.exception("batch %s failed; running its jobs one by one", _ids(plans))
        for plan in plans:
            engine.run_job(jobs.get_job(engine.store, plan.job.id), runner, stopping)
        return
    for plan, outcome in zip(plans, outcomes, strict=True):
        job = plan.job
        if isinstance(outcome, GenerationCancelled):
            engine.events.cancelled(jobs.finish_job(engine.store, job.id, jobs.CANCELLED))
        else:
            finished = jobs.finish_job(engine.store, job.id, jobs.DONE)
            engine.events.done(finished, job_assets(engine.store, job.id))


def _ids(plans: list[GenerationPlan]) -> str:
    return ",".join(str(plan.job.id) for plan in plans)
