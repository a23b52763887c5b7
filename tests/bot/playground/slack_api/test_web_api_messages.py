"""The imitation's Web API for messages, threads and Block Kit, driven by the real WebClient.

Why: every end-to-end test of the bot trusts the imitation to accept what Slack accepts and
refuse what Slack refuses; these tests pin both directions through the client code the bot uses.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.request import Request, urlopen

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.playground.slack_api import (
    SlackImitation,
)
from tests.bot.playground.slack_api.imitation_helpers import (
    TOKEN,
    _image_block,
    _refusal,
    _section,
    _upload_png,
)

# ---------------------------------------------------------------- auth and routing


def test_auth_test_answers_like_slack(client: WebClient) -> None:
    resp = client.auth_test()
    assert resp["ok"] and resp["user_id"] == "UBOT" and resp["bot_id"] == "BBOT"
    assert resp["team_id"] == "T1"


def test_bad_or_missing_token_and_unknown_method(slack: SlackImitation) -> None:
    bad = WebClient(token="xoxb-wrong", base_url=slack.base_url)
    assert _refusal(lambda: bad.chat_postMessage(channel="C1", text="hi"))["error"] == (
        "invalid_auth"
    )
    anonymous = WebClient(base_url=slack.base_url)
    assert _refusal(lambda: anonymous.auth_test())["error"] == "not_authed"
    client = WebClient(token=TOKEN, base_url=slack.base_url)
    assert _refusal(lambda: client.api_call("chat.postMessagee"))["error"] == "unknown_method"
    assert slack.messages("C1") == []


def test_token_in_json_body_is_not_read(slack: SlackImitation) -> None:
    """Slack reads ``token`` from form bodies only; a JSON body's token is ignored."""
    req = Request(
        slack.base_url + "chat.postMessage",
        data=json.dumps({"token": TOKEN, "channel": "C1", "text": "x"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urlopen(req) as resp:
        assert json.loads(resp.read())["error"] == "not_authed"


# ---------------------------------------------------------------- messages and threads


def test_post_update_and_thread(slack: SlackImitation, client: WebClient) -> None:
    root = client.chat_postMessage(channel="C1", text="root", blocks=[_section("*root*")])
    reply = client.chat_postMessage(channel="C1", text="one", thread_ts=root["ts"])
    # Replying to a reply threads to the parent, as Slack does.
    nested = client.chat_postMessage(channel="C1", text="two", thread_ts=reply["ts"])
    assert nested["message"]["thread_ts"] == root["ts"]
    assert float(root["ts"]) < float(reply["ts"]) < float(nested["ts"])

    client.chat_update(channel="C1", ts=root["ts"], text="root v2", blocks=[_section("v2")])
    stored = slack.message("C1", root["ts"])
    assert stored is not None
    assert stored["text"] == "root v2" and stored["blocks"][0]["text"]["text"] == "v2"
    assert [h["text"] for h in stored["history"]] == ["root"]
    assert stored["reply_count"] == 2

    assert [m["text"] for m in slack.thread("C1", root["ts"])] == ["one", "two"]
    replies = client.conversations_replies(channel="C1", ts=reply["ts"])
    assert [m["text"] for m in replies["messages"]] == ["root v2", "one", "two"]
    assert "history" not in replies["messages"][0]


def test_update_refusals(slack: SlackImitation, client: WebClient) -> None:
    person = slack.post_user_message("C1", "U1", "mine")
    refused = _refusal(lambda: client.chat_update(channel="C1", ts=person["ts"], text="x"))
    assert refused["error"] == "cant_update_message"
    missing = _refusal(lambda: client.chat_update(channel="C1", ts="1.000001", text="x"))
    assert missing["error"] == "message_not_found"


def test_unknown_thread_ts_is_refused(client: WebClient) -> None:
    for call in (
        lambda: client.chat_postMessage(channel="C1", text="x", thread_ts="123.456"),
        lambda: client.chat_postEphemeral(channel="C1", user="U1", text="x", thread_ts="1.2"),
        lambda: client.files_upload_v2(
            channel="C1", thread_ts="1.2", content=b"abc", filename="a.txt"
        ),
    ):
        assert _refusal(call)["error"] == "thread_not_found"


def test_no_text_and_ephemeral(slack: SlackImitation, client: WebClient) -> None:
    with pytest.warns(UserWarning):  # slack_sdk warns about the missing text, then sends it
        refused = _refusal(lambda: client.chat_postMessage(channel="C1", text=""))
    assert refused["error"] == "no_text"
    client.chat_postEphemeral(channel="C1", user="U7", text="only you")
    assert slack.ephemerals[0]["user"] == "U7" and slack.messages("C1") == []


# ---------------------------------------------------------------- Block Kit refusals


@pytest.mark.parametrize(
    ("blocks", "needle"),
    [
        ([_section(f"b{i}") for i in range(51)], "no more than 50 items"),
        ([_section("x" * 3001)], "/blocks/0/text/text"),
        ([{"type": "image", "alt_text": "a"}], "either image_url or slack_file"),
        (
            [
                {
                    "type": "image",
                    "alt_text": "a",
                    "image_url": "http://x/a.png",
                    "slack_file": {"id": "F1"},
                }
            ],
            "not both",
        ),
        ([{"type": "image", "image_url": "http://x/a.png"}], "alt_text"),
        ([{"type": "fancy"}], "unsupported type"),
        ([_section("a", "same"), _section("b", "same")], "duplicate block_id"),
        (
            [
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "text": {"type": "plain_text", "text": "y" * 76},
                            "action_id": "go",
                        }
                    ],
                }
            ],
            "/blocks/0/elements/0/text/text",
        ),
        (
            [
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "text": {"type": "plain_text", "text": "b"},
                            "action_id": "go",
                            "style": "green",
                        }
                    ],
                }
            ],
            "primary, danger",
        ),
        (
            [
                {
                    "type": "input",
                    "label": {"type": "plain_text", "text": "l"},
                    "element": {"type": "plain_text_input", "action_id": "p"},
                }
            ],
            "only allowed in views",
        ),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}], "plain_text"),
    ],
)
def test_invalid_blocks_are_refused(
    slack: SlackImitation, client: WebClient, blocks: list[Any], needle: str
) -> None:
    refused = _refusal(lambda: client.chat_postMessage(channel="C1", text="t", blocks=blocks))
    assert refused["error"] == "invalid_blocks"
    assert any(needle in e for e in refused["errors"]), refused["errors"]
    assert slack.messages("C1") == []


def test_fifty_blocks_and_3000_chars_are_accepted(client: WebClient) -> None:
    blocks = [_section(f"b{i}") for i in range(49)] + [_section("x" * 3000)]
    assert client.chat_postMessage(channel="C1", text="t", blocks=blocks)["ok"]


def test_slack_file_needs_share_in_that_channel_and_processing(
    slack: SlackImitation, client: WebClient
) -> None:
    file_id = _upload_png(client, "C1")
    early = _refusal(
        lambda: client.chat_postMessage(channel="C1", text="t", blocks=[_image_block(file_id)])
    )
    assert early["error"] == "invalid_blocks"
    assert "invalid slack file" in early["errors"][0]

    def post_ok() -> bool:
        try:
            client.chat_postMessage(channel="C1", text="t", blocks=[_image_block(file_id)])
        except SlackApiError:
            return False
        return True

    started = time.monotonic()
    slack.wait_for(post_ok, timeout=3)
    assert time.monotonic() - started < 2

    elsewhere = _refusal(
        lambda: client.chat_postMessage(channel="C2", text="t", blocks=[_image_block(file_id)])
    )
    assert "invalid slack file" in elsewhere["errors"][0]
    # The same rules in a context block's image element.
    context = [
        {
            "type": "context",
            "elements": [{"type": "image", "alt_text": "a", "slack_file": {"id": "F999"}}],
        }
    ]
    unknown = _refusal(lambda: client.chat_postMessage(channel="C1", text="t", blocks=context))
    assert "invalid slack file" in unknown["errors"][0]
