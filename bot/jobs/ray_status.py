"""``dailies workers``: the Ray pool of a running bot, read from the cluster it runs on.

The bot names its actors ``dailies-worker-…`` in the ``dailies`` namespace, so any process that
joins the cluster can find them and ask each what it holds, without asking the bot.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.jobs.ray_engine import NAMESPACE

ACTOR_PREFIX = "dailies-worker-"


def pool_workers(timeout: float = 10.0) -> list[dict[str, Any]]:
    """Every dailies worker actor on the connected cluster, with what it reports."""
    import ray

    found = []
    for name in sorted(ray.util.list_named_actors()):
        if not name.startswith(ACTOR_PREFIX):
            continue
        try:
            info = ray.get(ray.get_actor(name, namespace=NAMESPACE).info.remote(), timeout=timeout)
        except (ValueError, ray.exceptions.RayError) as exc:
            info = {"error": str(exc).strip().splitlines()[0]}
        found.append({"name": name, **info})
    return found


def workers_table(workers: list[dict[str, Any]]) -> str:
    """One line per worker: node, device, models loaded, busy/idle, jobs done, failures."""
    if not workers:
        return (
            "no dailies workers on this Ray cluster "
            "(is `dailies serve` running with DAILIES_ENGINE=ray?)"
        )
    lines = []
    for w in workers:
        if "error" in w:
            lines.append(f"{w['name']}: unreachable ({w['error']})")
            continue
        state = "busy" if w["busy"] else "idle"
        loaded = f"{w['family']} loaded" if w["loaded"] else f"{w['family']} not loaded yet"
        lines.append(
            f"{w['name']}: node {w['node']} pid {w['pid']} · {w['device']} · {loaded} · {state}"
            f" · {w['jobs_done']} jobs done · {w['failures']} failures"
        )
    return "\n".join(lines)


def connect_for_status(address: str) -> None:
    import ray

    if not ray.is_initialized():
        ray.init(
            address=address or "auto", namespace=NAMESPACE, logging_level=logging.ERROR,
            log_to_driver=False,
        )  # fmt: skip
