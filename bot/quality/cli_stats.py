"""``dailies stats``: the same figures as ``/dailies stats``, printed, with an optional chart
(PNG) and table (CSV). Reads the database only; imports stay light (no torch, no Slack)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from bot.quality.report import stats_csv, stats_text
from bot.quality.stats import compute_stats
from bot.quality.stats_query import cli_query
from bot.store.database import Store


def run_stats(
    settings: Any,
    *,
    channel: str | None,
    since: str,
    by: str | None,
    png: Path | None = None,
    csv: Path | None = None,
    stderr: Any = sys.stderr,
) -> str:
    """The stats text; writes the chart and the CSV where asked (and says so on stderr)."""
    query = cli_query(channel, since, by)
    for path in (png, csv):
        if path is not None and not path.parent.is_dir():
            raise ValueError(f"{path.parent} is not a folder: create it first")
    stats = compute_stats(
        Store(settings.db_path), query, settings.cost_per_gpu_hour, settings.cost_per_cpu_hour
    )
    scope = "all channels" if query.channel_id is None else query.channel_id
    if png is not None:
        from bot.quality.plots import stats_chart

        png.write_bytes(stats_chart(stats, f"dailies · {scope} · {query.period}"))
        print(f"chart: {png}", file=stderr)
    if csv is not None:
        csv.write_text(stats_csv(stats))
        print(f"table: {csv}", file=stderr)
    return stats_text(stats, scope, settings.cost_currency)
