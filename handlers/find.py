"""``/dailies find <words> [by @user] [in #channel] [approved|finals|voted|tag:NAME] [since …]``:
the assets that match, best first, answered privately within Slack's 3 seconds.

Only channels the person may see are searched (``bot.library.access``); each hit links to the
message that shows it (``chat.getPermalink``, fetched in parallel to stay inside 3 s).
"""

from __future__ import annotations

import logging
import re
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.library.access import ChannelAccess
from bot.library.search import FindError, Query, parse_query, search, searched_channels
from bot.runtime import Runtime
from bot.slack import blocks
from bot.slack.blocks.library import FIND_OPEN, Hit, find_results

log = logging.getLogger(__name__)

_ACCESS: weakref.WeakKeyDictionary[WebClient, ChannelAccess] = weakref.WeakKeyDictionary()


def channel_access(runtime: Runtime) -> ChannelAccess:
    """One cache of channel privacy and members per running bot."""
    access = _ACCESS.get(runtime.client)
    if access is None:
        access = _ACCESS[runtime.client] = ChannelAccess(runtime.client)
    return access


def message_ts_of(runtime: Runtime, asset: dict[str, Any]) -> str | None:
    """The message that shows the asset: its variants or FINAL message, else its thread root."""
    row = next(
        runtime.store.db.query(
            "SELECT ts FROM posted_messages WHERE job_id = ? AND channel_id = ? "
            "ORDER BY created_at LIMIT 1",
            [asset["job_id"], asset.get("channel_id")],
        ),
        None,
    )
    return row["ts"] if row else asset.get("thread_ts")


def permalink(client: WebClient, channel: str | None, ts: str | None) -> str | None:
    if not channel or not ts:
        return None
    try:
        return client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
    except SlackApiError as exc:
        log.info("no permalink for %s %s: %s", channel, ts, exc.response.get("error"))
        return None


def permalinks(runtime: Runtime, assets: list[dict[str, Any]]) -> list[str | None]:
    if not assets:
        return []
    targets = [(a.get("channel_id"), message_ts_of(runtime, a)) for a in assets]
    with ThreadPoolExecutor(max_workers=min(10, len(targets))) as pool:
        return list(pool.map(lambda t: permalink(runtime.client, *t), targets))


def _hint(query: Query) -> str:
    filters = query.filters()
    if filters:
        return f"Try again without `{filters[-1]}`."
    return "Try fewer words, or other words from the prompt, a reply, a tag or a recipe name."


def find_command(runtime: Runtime, body: dict[str, Any], args: str) -> blocks.Message:
    user, here = body["user_id"], body.get("channel_id")
    if not args.strip():
        return blocks.notice(
            ":mag: Say what to look for: `/dailies find teapot by @carol approved since 2d` "
            "(also `in #channel`, `finals`, `voted`, `tag:NAME`)."
        )
    try:
        query = parse_query(args, me=user, here=here)
    except FindError as exc:
        return blocks.notice(f":warning: {exc}")
    access = channel_access(runtime)
    if query.channel and not access.may_see(user, query.channel, here):
        # Said the same way as an empty result: whether a private channel has matches is
        # itself something a non-member must not learn.
        return find_results(query.describe(), [], _hint(query))
    channels = access.visible(user, searched_channels(runtime.store), here)
    found = search(runtime.store, query, channels)
    links = permalinks(runtime, found)
    hits = [
        Hit(a, link, promotable=blocks.is_draft_image(a))
        for a, link in zip(found, links, strict=True)
    ]
    return find_results(query.describe(), hits, _hint(query))


def register(app: App, runtime: Runtime) -> None:
    @app.action(re.compile(rf"^{FIND_OPEN}:\d+$"))
    def opened(ack: Ack) -> None:
        # A link button: Slack opens the URL itself and still reports the click.
        ack()
