"""Everything a running bot holds, built once from Settings and handed to handlers and the CLI."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient

from bot.config import Settings, switch_on
from bot.jobs import model_choice
from bot.jobs.engine import EmbeddedEngine, Engine, Runner
from bot.jobs.events import JobEvents
from bot.jobs.rows import defer_delivery, mark_reported
from bot.slack.client import Throttle, make_client
from bot.slack.edits import MessageEdits
from bot.slack.outbox import Outbox
from bot.slack.rate_budget import RateBudget
from bot.slack.redelivery import Ticker
from bot.store.database import Store
from models.backends import HostedOptions
from models.families import pick_family, resolve_family_name  # noqa: F401 (re-export)
from models.lora import LoraSpec
from models.presets import Family


@dataclass
class Runtime:
    settings: Settings
    store: Store
    events: JobEvents
    engine: Engine
    family: Family
    client: WebClient | None
    throttle: Throttle
    # Slack calls made for workers (None without Slack: the CLI runs hooks in place).
    outbox: Outbox | None = None
    # Per-variant control handlers by action id (handlers/variant_actions.py fills it).
    variant_handlers: dict[str, Any] = field(default_factory=dict)
    # Queue position last shown on each queued job's status message (job id → position).
    queue_positions: dict[int, int] = field(default_factory=dict)
    # Every family a channel may pick (built-in and configured) and the configured LoRAs.
    families: dict[str, Family] = field(default_factory=dict)
    loras: dict[str, LoraSpec] = field(default_factory=dict)

    def family_for(self, channel_id: str | None) -> Family:
        """The family new drafts in this channel use (``/dailies models``), else the default."""
        if not channel_id:
            return self.family
        return model_choice.channel_family(self.store, self.settings, self.family, channel_id)

    def family_of(self, params: dict[str, Any]) -> Family:
        """The family a job, or the job an image came from, ran on."""
        return model_choice.family_of(params, self.settings, self.family)

    def family_of_asset(self, asset: dict[str, Any]) -> Family:
        """The family that made an image (edits of it run there too)."""
        return self.family_of({"family": asset.get("family")})

    # Status posts of new jobs run here, not on Bolt's listener threads: with Slack slow or
    # rate limited, a listener waiting on a post would make later commands miss their ack.
    announcer: ThreadPoolExecutor | None = None
    announce_tries: dict[int, int] = field(default_factory=dict)
    # Clocks started with the bot (the delivery retry schedule); stopped on close.
    tickers: list[Ticker] = field(default_factory=list)
    # Slack's rate limits as the bot's budget, and the status-message edits kept inside it.
    budget: RateBudget | None = None
    edits: MessageEdits | None = None

    def close(self, grace: float | None = None) -> None:
        """Stop the workers at their next step boundary (waiting up to ``grace`` seconds, by
        default DAILIES_SHUTDOWN_GRACE; jobs not finished stay queued and resume at the next
        start), then post what is still queued in the outbox."""
        grace = self.settings.shutdown_grace_s if grace is None else grace
        for ticker in self.tickers:
            ticker.stop()
        if self.announcer is not None:  # what was not posted yet stays held and resumes at start
            self.announcer.shutdown(wait=False, cancel_futures=True)
        self.engine.stop(timeout=grace)
        if self.outbox is not None:
            self.outbox.close(timeout=max(grace, 5.0))
        if self.edits is not None:  # edits deferred by the budget still land, last state first
            self.edits.flush()
        left = self.store.db["jobs"].count_where("status IN ('queued', 'running', 'held')")
        logging.getLogger(__name__).info("stopped; %d job(s) will resume at the next start", left)


def worker_devices(settings: Settings) -> list[str]:
    """One worker per GPU (each loads its own pipelines), else one CPU worker."""
    import torch

    if torch.cuda.is_available():
        devices = [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    else:
        devices = ["cpu"]
    if settings.workers:
        devices = [devices[i % len(devices)] for i in range(settings.workers)]
    return devices


def runner_options(settings: Settings) -> dict[str, Any]:
    """The ModelRunner keyword arguments the settings choose (batching, decoder, GPU options)."""
    return {
        "max_batch": settings.max_batch,
        "draft_decoder": settings.draft_decoder,
        "compile": switch_on(settings.compile),
        "channels_last": switch_on(settings.channels_last),
    }


def build_runtime(
    settings: Settings,
    *,
    with_slack: bool = True,
    runner_factory: Callable[[str], Runner] | None = None,
    devices: list[str] | None = None,
    remote_runner_factory: Callable[[str, str], Runner] | None = None,
) -> Runtime:
    """``runner_factory`` builds a runner per local device (embedded engine);
    ``remote_runner_factory(family, device)`` is sent to each Ray worker to build its runner
    there (default: the family's ModelRunner)."""
    families = model_choice.families(settings)
    family = pick_family(families, settings.models)
    store = Store(settings.db_path)
    settings.assets_dir.mkdir(parents=True, exist_ok=True)
    outbox = Outbox() if with_slack else None
    events = JobEvents(
        dispatch=outbox.submit if outbox else None,
        reported=lambda job: mark_reported(store, job.id),
        unreported=lambda job, exc: defer_delivery(
            store, job.id, settings.delivery_retry_s, settings.delivery_retries
        ),
    )
    if runner_factory is None:
        from bot.jobs.family_runners import FamilyRunners
        from models.runner import ModelRunner

        hosted = hosted_options(settings)
        options = runner_options(settings)

        def runner_factory(device: str) -> Runner:
            return FamilyRunners(
                families,
                family.name,
                lambda chosen: ModelRunner(chosen, device=device, hosted=hosted, **options),
            )

    engine: Engine
    hosted_backends = {t.backend for f in families.values() for t in f.tiers.values() if t.hosted}
    hosted_lanes = dict.fromkeys(sorted(hosted_backends), settings.hosted_workers)
    if settings.engine == "ray":
        from bot.jobs.ray_engine import RayEngine

        # Every family (built-in or configured) travels to the workers as data; hosted tiers
        # run in this process on their lanes, never on a GPU actor.
        engine = RayEngine(
            store,
            settings.assets_dir,
            events,
            families,
            family.name,
            address=settings.ray_address,
            workers=settings.ray_workers,
            max_workers=settings.ray_max_workers,
            idle_s=settings.ray_idle_s,
            gpus_per_worker=settings.ray_gpus_per_worker,
            runner_factory=remote_runner_factory,
            runner_options=runner_options(settings),
            cross_batch=switch_on(settings.cross_batch),
            # at least one lane each: the actors have no API key and no reason to wait on Google
            hosted_lanes={lane: max(1, count) for lane, count in hosted_lanes.items()},
            local_runner=runner_factory,
        )
    else:
        engine = EmbeddedEngine(
            store,
            settings.assets_dir,
            events,
            runner_factory,
            devices or worker_devices(settings),
            cross_batch=switch_on(settings.cross_batch),
            hosted_lanes=hosted_lanes,
        )
    engine.max_resumes = settings.max_resumes
    engine.timeout_for = settings.job_timeout_for
    budget = RateBudget.from_settings(settings)
    client = make_client(settings, budget) if with_slack else None
    return Runtime(
        settings,
        store,
        events,
        engine,
        family,
        client,
        Throttle(settings.progress_interval_s),
        outbox=outbox,
        families=families,
        loras=model_choice.loras(settings),
        announcer=ThreadPoolExecutor(
            max_workers=settings.listener_threads, thread_name_prefix="dailies-announce"
        )
        if with_slack
        else None,
        budget=budget,
        edits=MessageEdits(client, settings.progress_interval_s, budget) if client else None,
    )


def hosted_options(settings: Settings) -> HostedOptions:
    """What the hosted backends need from the settings (the key stays out of every record)."""
    return HostedOptions(
        gemini_api_key=settings.gemini_api_key,
        gemini_base_url=settings.gemini_base_url,
        timeout_s=settings.gemini_timeout_s,
    )
