"""``/dailies queue`` (privately): every running and queued job, owner, kind, position in the
engine's fair order and an ETA from measured step times; ``/dailies queue cancel mine`` cancels
all of the caller's queued jobs (their status messages say so, everyone behind moves up)."""

from __future__ import annotations

from typing import Any

from bot.library.queue import cancel_mine, queue_entries
from bot.runtime import Runtime
from bot.slack import blocks
from handlers.job_messages import refresh_queue_positions, update_status


def worker_count(runtime: Runtime) -> int:
    return max(1, len(getattr(runtime.engine, "devices", []) or [1]))


def queue_command(runtime: Runtime, body: dict[str, Any], args: str) -> blocks.Message:
    user = body["user_id"]
    words = args.lower().split()
    if words == ["cancel", "mine"]:
        cancelled = []
        for job_id in cancel_mine(runtime.store, user):
            job = runtime.engine.cancel(job_id, user)
            if job.status == "cancelled":
                cancelled.append(job)

        def show() -> None:
            for job in cancelled:
                if job.message_ts:
                    update_status(runtime, job)
            refresh_queue_positions(runtime)

        if cancelled and runtime.outbox is not None:
            runtime.outbox.submit(show)
        if not cancelled:
            return blocks.notice("You have no queued jobs to cancel.")
        n = len(cancelled)
        return blocks.notice(
            f":no_entry_sign: Cancelled your {n} queued job{'s' if n != 1 else ''}."
        )
    if words:
        return blocks.notice(
            f":warning: `/dailies queue {args}` is not something I know. Say `/dailies queue` "
            "or `/dailies queue cancel mine`."
        )
    entries = queue_entries(runtime.store, runtime.family, worker_count(runtime))
    return blocks.queue_message(entries, user)
