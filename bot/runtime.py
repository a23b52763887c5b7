"""Everything a running bot holds, built once from Settings and handed to handlers and the CLI."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient

from bot.config import Settings
from bot.jobs.engine import EmbeddedEngine, Engine, Runner
from bot.jobs.events import JobEvents
from bot.jobs.rows import defer_delivery, mark_reported
from bot.slack.client import Throttle, make_client
from bot.slack.outbox import Outbox
from bot.slack.redelivery import Ticker
from bot.store.database import Store
from models.presets import Family, get_family


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
    # Status posts of new jobs run here, not on Bolt's listener threads: with Slack slow or
    # rate limited, a listener waiting on a post would make later commands miss their ack.
    announcer: ThreadPoolExecutor | None = None
    announce_tries: dict[int, int] = field(default_factory=dict)
    # Clocks started with the bot (the delivery retry schedule); stopped on close.
    tickers: list[Ticker] = field(default_factory=list)

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


def build_runtime(
    settings: Settings,
    *,
    with_slack: bool = True,
    runner_factory: Callable[[str], Runner] | None = None,
    devices: list[str] | None = None,
) -> Runtime:
    family = get_family(settings.models)
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
        from models.runner import ModelRunner

        def runner_factory(device: str) -> Runner:
            return ModelRunner(family, device=device)

    engine = EmbeddedEngine(
        store, settings.assets_dir, events, runner_factory, devices or worker_devices(settings)
    )
    engine.max_resumes = settings.max_resumes
    engine.timeout_for = settings.job_timeout_for
    client = make_client(settings) if with_slack else None
    return Runtime(
        settings,
        store,
        events,
        engine,
        family,
        client,
        Throttle(settings.progress_interval_s),
        outbox=outbox,
        announcer=ThreadPoolExecutor(
            max_workers=settings.listener_threads, thread_name_prefix="dailies-announce"
        )
        if with_slack
        else None,
    )
