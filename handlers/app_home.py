"""App Home: published when a person opens the tab, and again when one of their jobs starts or
ends (coalesced per person, at most one publish per interval), for people who opened it."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError

from bot.brand import anchors, recipes
from bot.jobs import rows as jobs
from bot.jobs.rows import Job
from bot.library.queue import queue_entries
from bot.runtime import Runtime
from bot.slack.blocks.home import HOME_CANCEL, home_view
from bot.slack.coalesce import Coalescer
from handlers.find import channel_access, message_ts_of, permalink
from handlers.job_messages import refresh_queue_positions, update_status
from handlers.queue import worker_count

log = logging.getLogger(__name__)

HOME_INTERVAL_S = 2.0


def recent_threads(runtime: Runtime, user: str) -> list[tuple[str, str | None]]:
    rows = runtime.store.db.query(
        "SELECT channel_id, thread_ts, MIN(message_ts) AS root_ts, "
        "MIN(json_extract(params, '$.prompt')) AS prompt, MAX(created_at) AS latest FROM jobs "
        "WHERE user_id = ? AND source = 'slack' AND thread_ts IS NOT NULL "
        "GROUP BY channel_id, thread_ts ORDER BY latest DESC LIMIT 8",
        [user],
    )
    return [
        (r["prompt"] or "", permalink(runtime.client, r["channel_id"], r["thread_ts"]))
        for r in rows
    ]


def latest_finals(runtime: Runtime, user: str) -> list[tuple[dict[str, Any], str | None]]:
    access = channel_access(runtime)
    found: list[tuple[dict[str, Any], str | None]] = []
    for row in runtime.store.db.query(
        "SELECT * FROM assets WHERE approved = 1 ORDER BY approved_at DESC LIMIT 40"
    ):
        asset = dict(row)
        if not asset.get("channel_id") or not access.may_see(user, asset["channel_id"], None):
            continue
        found.append(
            (asset, permalink(runtime.client, asset["channel_id"], message_ts_of(runtime, asset)))
        )
        if len(found) == 8:
            break
    return found


def publish(runtime: Runtime, user: str, team: str | None) -> None:
    try:
        _publish(runtime, user, team)
    except (SlackApiError, OSError) as exc:  # Slack unreachable: the next change publishes again
        log.warning("could not publish the Home of %s: %s", user, exc)


def _publish(runtime: Runtime, user: str, team: str | None) -> None:
    mine = [
        e
        for e in queue_entries(runtime.store, runtime.family, worker_count(runtime))
        if e.job.user_id == user
    ]
    view = home_view(
        user,
        mine,
        recent_threads(runtime, user),
        latest_finals(runtime, user),
        [r["name"] for r in recipes.for_team(runtime.store, team)],
        [a["name"] for a in anchors.for_team(runtime.store, team)],
    )
    runtime.client.views_publish(user_id=user, view=view)


def register(app: App, runtime: Runtime) -> None:
    opened: dict[str, str | None] = {}  # people who opened Home → their workspace
    # views.publish has its own budget (Tier 4); a refresh over it is deferred and merged.
    coalescer = Coalescer(HOME_INTERVAL_S, budget=runtime.budget, method="views.publish")

    def refresh(user: str) -> None:
        coalescer.request(f"home:{user}", lambda: publish(runtime, user, opened.get(user)))

    @app.event("app_home_opened")
    def home_opened(body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        user = event["user"]
        opened[user] = body.get("team_id")
        publish(runtime, user, opened[user])

    def job_changed(job: Job, _hook: str) -> None:
        if job.user_id in opened:
            refresh(job.user_id)

    runtime.events.observe(job_changed)

    @app.action(re.compile(rf"^{HOME_CANCEL}:\d+$"))
    def cancel(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        user = body["user"]["id"]
        job = jobs.find_job(runtime.store, int(body["actions"][0]["value"]))
        if job is None or job.user_id != user or job.status in jobs.FINISHED:
            refresh(user)
            return
        job = runtime.engine.cancel(job.id, user)

        def show() -> None:
            current = jobs.get_job(runtime.store, job.id)
            if current.status == jobs.CANCELLED and current.message_ts:
                update_status(runtime, current)
            refresh_queue_positions(runtime)
            publish(runtime, user, opened.get(user))

        runtime.outbox.submit(show)
