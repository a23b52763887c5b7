"""A dailies thread as a sequence of iterations, and a reply turned into the next one.

Each draft job in a thread carries ``params["iteration"]`` (v1 is the thread's first draft; a job
without one is v1). A re-roll or retry copies its job's params, so it stays in the same
iteration: an iteration may hold several batches of variants. A reply makes the next iteration:
the reply is the change, appended to the prompt of the image it starts from, and the new variants
are made image-to-image from the thread's current pick.

Naming a variant in a reply: ``#N`` is variant N of the newest batch in the thread (what the
latest variants message shows); ``v2#3`` is variant 3 of iteration v2 (its newest batch).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from bot.config import Settings
from bot.jobs import rows as jobs
from bot.jobs.draft_options import MAX_PROMPT_CHARS, OptionsError, parse_draft_text, split_flags
from bot.jobs.lanes import lane_for
from bot.jobs.model_choice import family_of
from bot.jobs.params import aspect_size, asset_aspect, carried_choices, seeds_from
from bot.jobs.rows import Job
from bot.review.votes import tally
from bot.store.database import Store
from models.presets import DRAFT, Family

_PICK = re.compile(r"(?:^|(?<=\s))(?:[vV](\d{1,3}))?#(\d{1,2})\b")


def iteration_of(job: Job) -> int:
    return int(job.params.get("iteration") or 1)


def thread_root_job(store: Store, channel_id: str, thread_ts: str) -> Job | None:
    """The draft whose status message is the thread's root: only such threads are dailies'."""
    rows = list(
        store.db["jobs"].rows_where(
            "channel_id = ? AND thread_ts = ? AND message_ts = ? AND kind = 'draft'",
            [channel_id, thread_ts, thread_ts],
            order_by="id",
            limit=1,
        )
    )
    return Job.from_row(rows[0]) if rows else None


def thread_drafts(store: Store, channel_id: str, thread_ts: str) -> list[Job]:
    return [
        Job.from_row(r)
        for r in store.db["jobs"].rows_where(
            "channel_id = ? AND thread_ts = ? AND kind = 'draft'",
            [channel_id, thread_ts],
            order_by="id",
        )
    ]


def _assets(store: Store, job_id: int) -> list[dict[str, Any]]:
    return list(store.db["assets"].rows_where("job_id = ?", [job_id], order_by="variant"))


@dataclass(frozen=True)
class Batch:
    job: Job
    assets: list[dict[str, Any]]

    @property
    def iteration(self) -> int:
        return iteration_of(self.job)


def batches(store: Store, channel_id: str, thread_ts: str) -> list[Batch]:
    """The thread's finished draft jobs, oldest first: what people have seen and can name (a
    batch still rendering has saved some variants, but nobody has seen them yet)."""
    found = []
    for job in thread_drafts(store, channel_id, thread_ts):
        if job.status != jobs.DONE:
            continue
        assets = _assets(store, job.id)
        if assets:
            found.append(Batch(job, assets))
    return found


def next_iteration(store: Store, channel_id: str, thread_ts: str) -> int:
    drafts = thread_drafts(store, channel_id, thread_ts)
    return max((iteration_of(j) for j in drafts), default=0) + 1


def split_pick(text: str) -> tuple[str, tuple[int | None, int] | None]:
    """The reply without its variant reference, and the reference (iteration or None, number)."""
    match = _PICK.search(text)
    if match is None:
        return text.strip(), None
    rest = (text[: match.start()] + " " + text[match.end() :]).strip()
    rest = re.sub(r"\s{2,}", " ", rest)
    iteration = int(match.group(1)) if match.group(1) else None
    return rest, (iteration, int(match.group(2)))


def current_pick(
    store: Store, channel_id: str, thread_ts: str, reference: tuple[int | None, int] | None
) -> dict[str, Any]:
    """The asset a reply iterates from; OptionsError (for the person) when there is none."""
    found = batches(store, channel_id, thread_ts)
    if not found:
        raise OptionsError("There are no variants in this thread yet: wait for them, then reply.")
    if reference is not None:
        iteration, number = reference
        if iteration is None:
            batch = found[-1]
            where = "the latest variants"
        else:
            named = [b for b in found if b.iteration == iteration]
            if not named:
                known = ", ".join(f"v{n}" for n in sorted({b.iteration for b in found}))
                raise OptionsError(f"This thread has no v{iteration} with images (it has {known}).")
            batch = named[-1]
            where = f"v{iteration}"
        for asset in batch.assets:
            if asset["variant"] == number:
                return asset
        numbers = [a["variant"] for a in batch.assets]
        raise OptionsError(
            f"There is no #{number} in {where}: they are #{numbers[0]}–#{numbers[-1]}."
            if len(numbers) > 1
            else f"There is no #{number} in {where}: it has only #{numbers[0]}."
        )
    latest = max(b.iteration for b in found)
    candidates = [
        (position, asset)
        for position, batch in enumerate(found)
        if batch.iteration == latest
        for asset in batch.assets
    ]
    counted = tally(store, [a["id"] for _, a in candidates])
    # Most votes wins; a tie goes to the newest batch, then the lowest number.
    _, _, _, pick = max(
        (counted.count(a["id"]), position, -a["variant"], a) for position, a in candidates
    )
    return pick


def img2img_steps(steps: int, strength: float, max_steps: int) -> int:
    """Image-to-image runs int(steps × strength) steps: raise ``steps`` until that is ≥ 1
    (the runner refuses a request that would run none)."""
    steps = max(steps, math.ceil(1 / strength))
    while int(steps * strength) < 1:
        steps += 1
    if steps > max_steps:
        raise OptionsError(
            f"An image-to-image strength of {strength:g} needs {steps} steps, over this tier's "
            f"limit of {max_steps}: ask whoever runs dailies to raise the strength setting."
        )
    return steps


def iteration_params(
    reply: str,
    pick: dict[str, Any],
    source: Job,
    settings: Settings,
    family: Family,
    iteration: int,
) -> dict[str, Any]:
    """The next iteration's params: the reply's change on the pick's prompt, the reply's flags
    over the source job's settings, image-to-image from the pick."""
    change, pairs = split_flags(reply)
    base = pick["prompt"] or source.params["prompt"]
    prompt = f"{base}, {change}" if change else base
    if len(prompt) > MAX_PROMPT_CHARS:
        raise OptionsError(
            f"With your change this thread's prompt would be {len(prompt)} characters; the limit "
            f"is {MAX_PROMPT_CHARS}. Start a fresh `/draft` with a shorter prompt to go on."
        )
    flags = " ".join(f"--{flag} {value}".rstrip() for flag, value in pairs)
    options, _ = parse_draft_text(f"{prompt} {flags}".strip())
    given = {flag for flag, _ in pairs}
    family = family_of(source.params, settings, family)  # the thread's, not the default
    preset = family.tiers[DRAFT]
    aspect_text = options.aspect_text if given & {"ar", "aspect"} else asset_aspect(pick, source)
    if options.steps is not None and options.steps > preset.max_steps:
        raise OptionsError(
            f"`--steps` for the draft tier is at most {preset.max_steps}, got {options.steps}."
        )
    strength = settings.iterate_strength
    steps = options.steps or source.params.get("steps") or preset.default_steps
    width, height = aspect_size(settings, family, DRAFT, aspect_text)
    n = options.n if "n" in given else len(source.params["seeds"])
    return {
        "tier": DRAFT,
        "prompt": options.prompt,
        "negative_prompt": options.negative_prompt
        if "no" in given
        else source.params.get("negative_prompt", ""),
        "aspect": aspect_text,
        "width": width,
        "height": height,
        "seeds": seeds_from(options.seed, n),
        "steps": img2img_steps(steps, strength, preset.max_steps),
        "guidance": preset.guidance,
        "init_asset_id": pick["id"],
        "strength": strength,
        "iteration": iteration,
        "change": change,
        **carried_choices(source.params),
        **lane_for(preset),
    }


def record_iteration(
    store: Store,
    settings: Settings,
    family: Family,
    *,
    reply: str,
    user_id: str,
    channel_id: str,
    thread_ts: str,
) -> Job:
    """Validate a reply and record the next iteration as a held job (one transaction, so two
    replies at once get v2 and v3, not v2 twice). Raises OptionsError for the person."""
    text, reference = split_pick(reply)
    with store.write():
        pick = current_pick(store, channel_id, thread_ts, reference)
        source = jobs.get_job(store, pick["job_id"])
        iteration = next_iteration(store, channel_id, thread_ts)
        params = iteration_params(text, pick, source, settings, family, iteration)
        return jobs.create_job(
            store,
            "draft",
            params,
            user_id=user_id,
            channel_id=channel_id,
            thread_ts=thread_ts,
            parent_job_id=source.id,
            held=True,
        )
