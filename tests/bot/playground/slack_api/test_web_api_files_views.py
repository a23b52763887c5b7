"""The imitation's files, rate limits, reactions, users, views and response_urls.

Why: the states a file goes through, the 429s and the modal rules are where a bot that works
against mocks fails against Slack; these tests pin what the imitation refuses.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.playground.slack_api import (
    SlackImitation,
    validate_message_blocks,
)
from tests.bot.playground.slack_api.imitation_helpers import (
    TOKEN,
    _image_block,
    _png,
    _refusal,
    _section,
)

# ---------------------------------------------------------------- files


def test_files_upload_v2_two_files_in_thread_then_shares(
    slack: SlackImitation, client: WebClient
) -> None:
    root = client.chat_postMessage(channel="C1", text="job")
    png = _png(10, 7)
    resp = client.files_upload_v2(
        channel="C1",
        thread_ts=root["ts"],
        file_uploads=[
            {"content": png, "filename": "one.png", "title": "One"},
            {"content": b"hello", "filename": "two.txt"},
        ],
    )
    ids = [f["id"] for f in resp["files"]]
    assert len(ids) == 2 and "ts" not in resp
    stored = slack.files
    assert stored[ids[0]]["bytes"] == png and stored[ids[1]]["title"] == "two.txt"

    before = client.files_info(file=ids[0])["file"]
    assert "shares" not in before and before["mimetype"] == "image/png"
    assert (before["original_w"], before["original_h"]) == (10, 7)

    def shared() -> dict[str, Any] | None:
        return client.files_info(file=ids[0])["file"].get("shares")

    shares = slack.wait_for(shared, timeout=3)
    (entry,) = shares["public"]["C1"]
    assert entry["thread_ts"] == root["ts"]
    # The share appears as one bot message in the thread carrying both files.
    (share_msg,) = slack.thread("C1", root["ts"])
    assert [f["id"] for f in share_msg["files"]] == ids and share_msg["ts"] == entry["ts"]


def test_upload_protocol_refusals(slack: SlackImitation, client: WebClient) -> None:
    url = client.files_getUploadURLExternal(filename="a.bin", length=5)
    assert url["upload_url"].startswith(slack.root_url + "upload/F")
    # Bytes of another length than announced are refused at the upload URL. (slack_sdk lets
    # urllib's HTTPError escape here: its "status != 200" check only sees 2xx/3xx answers.)
    with pytest.raises(HTTPError):
        client._upload_file(
            url=url["upload_url"],
            data=b"123",
            logger=client.logger,
            timeout=5,
            proxy=None,
            ssl=None,
        )
    # Completing a file whose bytes never arrived, or an unknown id, fails.
    for fid in (url["file_id"], "F404"):
        refused = _refusal(lambda fid=fid: client.files_completeUploadExternal(files=[{"id": fid}]))
        assert refused["error"] == "file_not_found"
    missing = _refusal(
        lambda: client.api_call("files.getUploadURLExternal", params={"filename": "x"})
    )
    assert missing["error"] == "invalid_arguments"


def test_private_download_needs_the_token(slack: SlackImitation, client: WebClient) -> None:
    msg = slack.post_user_message("C1", "U1", "ref", files=[("ref.png", _png())])
    url = msg["files"][0]["url_private"]
    with urlopen(Request(url, headers={"Authorization": f"Bearer {TOKEN}"})) as resp:
        assert resp.read() == _png()
    with urlopen(url) as resp:  # no token: Slack's sign-in page, still HTTP 200
        assert resp.headers.get_content_type() == "text/html"


# ---------------------------------------------------------------- rate limit


def test_post_rate_limit_429_and_retry_handler() -> None:
    with SlackImitation(bot_token=TOKEN, post_rate_limit_per_sec=1.0) as slack:
        plain = WebClient(token=TOKEN, base_url=slack.base_url, retry_handlers=[])
        plain.chat_postMessage(channel="C1", text="1")
        with pytest.raises(SlackApiError) as info:
            plain.chat_postMessage(channel="C1", text="2")
        assert info.value.response.status_code == 429
        assert info.value.response.headers["Retry-After"] == "1"
        assert info.value.response["error"] == "ratelimited"
        plain.chat_postMessage(channel="C2", text="other channel is not limited")

        patient = WebClient(token=TOKEN, base_url=slack.base_url)
        patient.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
        started = time.monotonic()
        assert patient.chat_postMessage(channel="C1", text="3")["ok"]
        assert time.monotonic() - started >= 0.9
        assert [m["text"] for m in slack.messages("C1")] == ["1", "3"]


# ---------------------------------------------------------------- reactions, users, views


def test_reactions_and_users(slack: SlackImitation, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C1", text="vote")["ts"]
    client.reactions_add(channel="C1", name="eyes", timestamp=ts)
    assert (
        _refusal(lambda: client.reactions_add(channel="C1", name="eyes", timestamp=ts))["error"]
        == "already_reacted"
    )
    slack.add_reaction("C1", ts, "thumbsup", "U1")
    got = client.reactions_get(channel="C1", timestamp=ts)["message"]["reactions"]
    assert {r["name"]: r["users"] for r in got} == {"eyes": ["UBOT"], "thumbsup": ["U1"]}
    client.reactions_remove(channel="C1", name="eyes", timestamp=ts)
    assert slack.reactions[("C1", ts)] == {"thumbsup": {"U1"}}
    assert client.users_info(user="U42")["user"]["real_name"] == "U42"


def test_views_need_a_fresh_trigger_and_valid_modal(
    slack: SlackImitation, client: WebClient
) -> None:
    view = {
        "type": "modal",
        "callback_id": "edit",
        "title": {"type": "plain_text", "text": "Edit"},
        "submit": {"type": "plain_text", "text": "Go"},
        "blocks": [
            {
                "type": "input",
                "block_id": "p",
                "label": {"type": "plain_text", "text": "P"},
                "element": {"type": "plain_text_input", "action_id": "v"},
            }
        ],
    }
    trigger = slack.issue_trigger_id("U1")
    opened = client.views_open(trigger_id=trigger, view=view)
    assert slack.view(opened["view"]["id"])["callback_id"] == "edit"
    assert _refusal(lambda: client.views_open(trigger_id=trigger, view=view))["error"] == (
        "exchanged_trigger_id"
    )
    assert _refusal(lambda: client.views_open(trigger_id="nope", view=view))["error"] == (
        "invalid_trigger_id"
    )
    long_title = {**view, "title": {"type": "plain_text", "text": "x" * 25}}
    refused = _refusal(
        lambda: client.views_open(trigger_id=slack.issue_trigger_id(), view=long_title)
    )
    assert refused["error"] == "invalid_arguments" and "/view/title/text" in refused["errors"][0]
    updated = client.views_update(view_id=opened["view"]["id"], view={**view, "callback_id": "e2"})
    assert updated["view"]["id"] == opened["view"]["id"]
    assert [v["method"] for v in slack.views] == ["views.open", "views.update"]


def test_response_url_validates_and_records(slack: SlackImitation) -> None:
    url = slack.register_response_url("k1", channel="C1", user="U1")
    bad = WebhookClient(url).send_dict({"text": "t", "blocks": [_section("x" * 3001)]})
    assert bad.status_code == 400 and bad.body == "invalid_blocks"
    good = WebhookClient(url).send_dict({"text": "hi", "response_type": "in_channel"})
    assert good.status_code == 200 and good.body == "ok"
    assert slack.responses[0]["json"]["response_type"] == "in_channel"
    assert [m["text"] for m in slack.messages("C1")] == ["hi"]


def test_blocks_rules_pure() -> None:
    assert validate_message_blocks([{"type": "divider"}]) == []
    errors = validate_message_blocks([{"type": "section"}])
    assert errors == ["must provide either text or fields [json-pointer:/blocks/0]"]


def test_expired_trigger_and_user_files(slack: SlackImitation, client: WebClient) -> None:
    trigger = slack.issue_trigger_id("U1")
    slack._triggers[trigger]["created"] -= 3.5  # as if the app took too long to open the modal
    view = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": []}
    assert _refusal(lambda: client.views_open(trigger_id=trigger, view=view))["error"] == (
        "expired_trigger_id"
    )
    root = client.chat_postMessage(channel="C1", text="job")
    msg = slack.post_user_message(
        "C1", "U1", "use this", thread_ts=root["ts"], files=[("ref.png", _png(4, 4))]
    )
    assert msg["subtype"] == "file_share" and msg["thread_ts"] == root["ts"]
    info = client.files_info(file=msg["files"][0]["id"])["file"]
    assert info["shares"]["public"]["C1"][0]["ts"] == msg["ts"]
    # A file a person shared in C1 can be shown by the bot in C1 at once.
    assert client.chat_postMessage(
        channel="C1", text="t", blocks=[_image_block(info["id"])], thread_ts=root["ts"]
    )["ok"]
