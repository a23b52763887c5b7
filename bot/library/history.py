"""A thread's lineage as text: the prompt, its iterations with every variant's seed and votes,
and the finals promoted from them (approved, by whom). For ``dailies history``.

Threads are named by channel + thread ts, by a Slack permalink to the thread (or to a message in
it), or by the thread ts alone when only one channel has a thread there.
"""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

from bot.jobs.rows import Job
from bot.review.iteration import iteration_of
from bot.review.votes import tally
from bot.store.database import Store

_TS = re.compile(r"^\d{9,10}\.\d{1,6}$")
_PERMALINK = re.compile(r"/archives/([CGD][A-Z0-9]+)/p(\d{10})(\d{6})")
_CHANNEL = re.compile(r"^[CGD][A-Z0-9]+$")


class HistoryError(ValueError):
    """Input that names no thread; the message says why."""


def resolve_thread(store: Store, thread: str, channel: str | None = None) -> tuple[str, str]:
    """(channel, thread ts) from a permalink, or a ts with or without its channel."""
    thread = thread.strip()
    link = _PERMALINK.search(thread)
    if link:
        channel = channel or link.group(1)
        if channel != link.group(1):
            raise HistoryError(f"the link is to channel {link.group(1)}, not {channel}")
        ts = f"{link.group(2)}.{link.group(3)}"
        query = parse_qs(urlparse(thread).query)
        ts = query.get("thread_ts", [ts])[0]
    else:
        ts = thread
    if not _TS.match(ts):
        raise HistoryError(
            f"{thread!r} is neither a thread timestamp (like 1732271234.123456) nor a Slack link"
        )
    if channel is not None and not _CHANNEL.match(channel):
        raise HistoryError(f"{channel!r} is not a channel id (like C0123ABCD)")
    where = "thread_ts = ?" + (" AND channel_id = ?" if channel else "")
    args = [ts] + ([channel] if channel else [])
    channels = sorted(
        {
            r["channel_id"]
            for r in store.db.query(f"SELECT DISTINCT channel_id FROM jobs WHERE {where}", args)
            if r["channel_id"]
        }
    )
    if not channels:
        place = f"{channel} " if channel else ""
        raise HistoryError(f"no dailies thread at {place}{ts}")
    if len(channels) > 1:
        raise HistoryError(
            f"threads at {ts} exist in {', '.join(channels)}: say which with --channel"
        )
    return channels[0], ts


def _when(seconds: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(seconds)) if seconds else "?"


def _quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


def history_text(store: Store, channel: str, thread_ts: str) -> str:
    rows = store.db["jobs"].rows_where(
        "channel_id = ? AND thread_ts = ?", [channel, thread_ts], order_by="id"
    )
    thread_jobs = [Job.from_row(r) for r in rows]
    assets_of = {
        job.id: list(store.db["assets"].rows_where("job_id = ?", [job.id], order_by="variant"))
        for job in thread_jobs
    }
    by_id: dict[int, dict[str, Any]] = {a["id"]: a for lst in assets_of.values() for a in lst}
    job_of = {job.id: job for job in thread_jobs}
    drafts = [j for j in thread_jobs if j.kind == "draft"]
    finals_from: dict[int, list[dict[str, Any]]] = {}
    for job in thread_jobs:
        if job.kind == "final":
            for asset in assets_of[job.id]:
                finals_from.setdefault(asset["parent_id"], []).append(asset)
    counted = tally(store, [a["id"] for j in drafts for a in assets_of[j.id]])

    def name(asset_id: int | None) -> str:
        asset = by_id.get(asset_id) if asset_id else None
        if asset is None:
            return f"asset {asset_id}"
        job = job_of[asset["job_id"]]
        if job.kind != "draft":
            return f"{job.kind} #{asset['variant']}"
        return f"v{iteration_of(job)} #{asset['variant']}"

    first = drafts[0] if drafts else thread_jobs[0]
    lines = [f"thread {channel} {thread_ts}", f"prompt {_quote(first.params['prompt'], 400)}"]
    for d_index, job in enumerate(drafts):
        last_job = d_index == len(drafts) - 1
        branch, stem = ("└─", "   ") if last_job else ("├─", "│  ")
        head = f"v{iteration_of(job)}"
        if job.params.get("init_asset_id"):
            head += f" from {name(job.params['init_asset_id'])}"
        parent = job_of.get(job.parent_job_id or 0)
        if parent is not None and iteration_of(parent) == iteration_of(job):
            head += f" · {'retry' if job.attempt > 1 else 're-roll'} of job {parent.id}"
        change = job.params.get("change")
        detail = f"{_quote(change)} → " if change else ""
        lines.append(
            f"{branch} {head} · job {job.id} · {job.status} · by {job.user_id or '?'} · "
            f"{detail}{_quote(job.params['prompt'])}"
        )
        assets = assets_of[job.id]
        if not assets:
            lines.append(f"{stem}└─ (no images)")
        for a_index, asset in enumerate(assets):
            last_asset = a_index == len(assets) - 1
            a_branch, a_stem = ("└─", "   ") if last_asset else ("├─", "│  ")
            voters = counted.voters.get(asset["id"], [])
            votes = f"{len(voters)} vote{'s' if len(voters) != 1 else ''}"
            if voters:
                votes += f" ({', '.join(voters)})"
            lead = " ★ leading" if counted.leading(asset["id"]) else ""
            lines.append(
                f"{stem}{a_branch} #{asset['variant']} seed {asset['seed']} · {votes}{lead}"
            )
            finals = finals_from.get(asset["id"], [])
            for f_index, final in enumerate(finals):
                f_branch = "└─" if f_index == len(finals) - 1 else "├─"
                approval = (
                    f"approved by {final['approved_by']} {_when(final['approved_at'])}"
                    if final["approved"]
                    else "not approved"
                )
                lines.append(
                    f"{stem}{a_stem}{f_branch} FINAL · job {final['job_id']} · "
                    f"seed {final['seed']} · {final['width']}×{final['height']} · "
                    f"{final['steps']} steps · {final['model_id']} · {approval}"
                )
    shown = {a["id"] for j in drafts for a in assets_of[j.id]}
    for parent_id, finals in finals_from.items():
        if parent_id in shown:
            continue
        for final in finals:  # promoted from a variation or an edit, not a draft
            source = by_id.get(parent_id)
            job = job_of.get(source["job_id"]) if source else None
            label = f"{job.kind} #{source['variant']}" if job and source else f"asset {parent_id}"
            by = f"approved by {final['approved_by']}" if final["approved"] else "not approved"
            lines.append(
                f"   FINAL from {label} · job {final['job_id']} · seed {final['seed']} · {by}"
            )
    pending = [j for j in thread_jobs if j.kind == "final" and not assets_of[j.id]]
    for job in pending:
        lines.append(
            f"   FINAL from {name(job.params.get('init_asset_id'))} · job {job.id} · {job.status}"
        )
    return "\n".join(lines)
