"""The stats chart: yield and device seconds per usable asset over time, and a bar chart by the
chosen split (or, without one, by which signal made assets usable).

Drawn with matplotlib's object API on the Agg canvas (no pyplot: no global figure state, safe
from any thread of the bot) and returned as PNG bytes ready for files_upload_v2.
"""

from __future__ import annotations

import io
import math

from bot.quality.stats import Stats

MAX_BARS = 12
WIDTH_IN, HEIGHT_IN, DPI = 8.0, 6.5, 100


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


def stats_chart(stats: Stats, title: str) -> bytes:
    """The chart as PNG bytes (800×650 px)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1, height_ratios=[3, 2])
    figure.suptitle(title, fontsize=12)

    days = list(stats.days)
    yields = [_nan(t.useful_yield) * 100 for t in stats.days.values()]
    costs = [_nan(t.device_s_per_usable) for t in stats.days.values()]
    positions = list(range(len(days)))
    top.plot(positions, yields, marker="o", color="#2E7D32", label="useful yield %")
    top.set_ylim(0, 100)
    top.set_ylabel("useful yield %", color="#2E7D32")
    top.grid(alpha=0.3)
    seconds = top.twinx()
    seconds.plot(positions, costs, marker="s", color="#1565C0", label="device-s per usable")
    seconds.set_ylabel("device-s per usable asset", color="#1565C0")
    seconds.set_ylim(bottom=0)
    step = max(1, len(days) // 8)
    top.set_xticks(positions[::step], [d[5:] for d in days[::step]])
    if not days:
        top.text(0.5, 0.5, "nothing generated in this window", ha="center", transform=top.transAxes)
    top.set_title("per day (UTC)", fontsize=10)

    if stats.groups:
        items = list(stats.groups.items())[:MAX_BARS]
        labels = [name for name, _ in items]
        values = [(t.useful_yield or 0) * 100 for _, t in items]
        bars = bottom.barh(labels, values, color="#F9A825")
        bottom.bar_label(
            bars, labels=[f"{t.usable}/{t.generated}" for _, t in items], padding=3, fontsize=8
        )
        bottom.set_xlim(0, 110)
        bottom.set_xlabel("useful yield % (usable / generated)")
        bottom.set_title(f"by {stats.query.by}", fontsize=10)
    else:
        counted = {name: n for name, n in stats.signals.items() if n is not None}
        bars = bottom.barh(list(counted), list(counted.values()), color="#F9A825")
        bottom.bar_label(bars, padding=3, fontsize=8)
        bottom.set_xlabel("assets")
        bottom.set_title("what made assets usable (an asset can have several)", fontsize=10)
    bottom.invert_yaxis()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
