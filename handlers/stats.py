"""``/dailies stats``: useful yield and cost per usable asset, answered at once, with a chart.

The figures come back in the command's ephemeral answer (one SQL pass: fast enough to ack
within Slack's 3 s even over 100 000 assets). The chart is drawn afterwards on the outbox thread
and uploaded with files_upload_v2 into the channel where it was asked, since a file cannot be
ephemeral; the answer says where it went.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.quality.plots import stats_chart
from bot.quality.report import percent
from bot.quality.stats import Stats, compute_stats
from bot.quality.stats_query import USAGE, StatsQueryError, parse_stats_words
from bot.runtime import Runtime
from bot.slack import blocks

log = logging.getLogger(__name__)

_NAMED = re.compile(r"<#([CGD][A-Z0-9]+)\|([^>]+)>")


def scope_name(body: dict[str, Any], arguments: str, channel_id: str | None) -> str:
    """How the scope reads in a chart title, where mentions do not render."""
    if channel_id is None:
        return "all channels"
    named = dict(_NAMED.findall(arguments))
    if channel_id in named:
        return f"#{named[channel_id]}"
    if channel_id == body.get("channel_id") and body.get("channel_name"):
        return f"#{body['channel_name']}"
    return channel_id


def stats_command(runtime: Runtime, body: dict[str, Any], arguments: str) -> blocks.Message:
    try:
        query = parse_stats_words(arguments, body.get("channel_id"))
    except StatsQueryError as exc:
        return blocks.notice(f":warning: {exc}\nUsage: {USAGE}")
    settings = runtime.settings
    stats = compute_stats(
        runtime.store, query, settings.cost_per_gpu_hour, settings.cost_per_cpu_hour
    )
    channel = body.get("channel_id")
    note = ""
    if stats.total.generated and channel and runtime.client is not None:
        title = f"dailies · {scope_name(body, arguments, query.channel_id)} · {query.period}"
        submit = runtime.outbox.submit if runtime.outbox is not None else (lambda call: call())
        submit(lambda: _post_chart(runtime, channel, body.get("user_id"), stats, title))
        note = "The chart follows in this channel."
    return blocks.stats_answer(stats, query.scope, settings.cost_currency, note)


def _post_chart(runtime: Runtime, channel: str, user: str | None, stats: Stats, title: str) -> None:
    """Draw and upload the chart; a refused upload is told to the person who asked."""
    png = stats_chart(stats, title)
    who = f" for <@{user}>" if user else ""
    try:
        runtime.client.files_upload_v2(
            channel=channel,
            file=png,
            filename="dailies-stats.png",
            title=title,
            alt_txt=f"{title}: useful yield {percent(stats.total.useful_yield)} and "
            "device seconds per usable asset per day, and a bar chart",
            initial_comment=f":bar_chart: Stats{who}: {title} · useful yield "
            f"{percent(stats.total.useful_yield)}",
            request_file_info=False,
        )
    except SlackApiError as exc:
        error = exc.response.get("error")
        log.warning("stats chart upload refused: %s", error)
        if user:
            try:
                runtime.client.chat_postEphemeral(
                    channel=channel,
                    user=user,
                    text=f":warning: The stats chart could not be posted here ({error}).",
                )
            except SlackApiError:
                log.warning("could not tell %s that the stats chart was refused", user)
