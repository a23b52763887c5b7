"""Jobs of ``dailies draft`` processes that are gone: nobody will show their images."""

from __future__ import annotations

import os
from typing import Any

from bot.jobs import rows as jobs
from bot.store.database import Store


def cancel_orphaned_cli_jobs(store: Store) -> int:
    """Close ``dailies draft`` jobs whose process is gone (killed or interrupted): their images
    would be shown to nobody, and a new run must not wait behind them or be handed them."""
    count = 0
    for job in jobs.unfinished_jobs(store, source="cli"):
        if not _alive(job.params.get("cli_pid")):
            jobs.finish_job(store, job.id, jobs.CANCELLED, "its dailies draft was interrupted")
            jobs.mark_reported(store, job.id)
            count += 1
    return count


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
