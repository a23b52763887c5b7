"""The Slack imitation itself, driven by the real slack_sdk WebClient and slack-bolt.

Why: every end-to-end test of the bot trusts this fixture to accept what Slack accepts and refuse
what Slack refuses. These tests pin both directions, through the same client code the bot uses.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from PIL import Image
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from tests.slack_imitation import (
    BoltHTTPServer,
    SlackImitation,
    SlackSender,
    validate_message_blocks,
)

TOKEN = "xoxb-test"
SECRET = "shh-signing-secret"


@pytest.fixture
def slack() -> Iterator[SlackImitation]:
    with SlackImitation(bot_token=TOKEN, file_share_delay=0.2) as imitation:
        yield imitation


@pytest.fixture
def client(slack: SlackImitation) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.base_url)


def _section(text: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if block_id:
        block["block_id"] = block_id
    return block


def _png(width: int = 8, height: int = 6) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def _refusal(call: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as info:
        call()
    return dict(info.value.response.data)


def _upload_png(client: WebClient, channel: str | None, thread_ts: str | None = None) -> str:
    resp = client.files_upload_v2(
        channel=channel, thread_ts=thread_ts, content=_png(), filename="a.png", title="A"
    )
    return resp["file"]["id"]


def _image_block(file_id: str) -> dict[str, Any]:
    return {"type": "image", "alt_text": "result", "slack_file": {"id": file_id}}


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


# ---------------------------------------------------------------- sender: signatures


class _Capture:
    """A tiny endpoint that records what arrives, to check the sender's wire format."""

    def __init__(self) -> None:
        seen: list[tuple[dict[str, str], str]] = []
        self.seen = seen

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                seen.append((dict(self.headers.items()), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"


def test_sender_signs_like_slack(slack: SlackImitation) -> None:
    capture = _Capture()
    try:
        sender = SlackSender(capture.url, SECRET, imitation=slack)
        sender.command("/dailies", "draft a fox")
        sender.event({"type": "app_mention", "text": "hi"}, retry_num=1)
        sender.command("/dailies", "x", forged=True)
        sender.command("/dailies", "x", timestamp=int(time.time()) - 600)
    finally:
        capture.server.shutdown()
    verifier = SignatureVerifier(SECRET)
    verdicts = [verifier.is_valid_request(body, headers) for headers, body in capture.seen]
    assert verdicts == [True, True, False, False]
    headers, _ = capture.seen[1]
    assert headers["X-Slack-Retry-Num"] == "1" and headers["X-Slack-Retry-Reason"]
    assert capture.seen[0][0]["Content-Type"] == "application/x-www-form-urlencoded"


# ---------------------------------------------------------------- end to end with slack-bolt


@pytest.fixture
def bolt(slack: SlackImitation) -> Iterator[tuple[App, SlackSender]]:
    app = App(client=WebClient(token=TOKEN, base_url=slack.base_url), signing_secret=SECRET)
    with BoltHTTPServer(app) as url:
        yield (
            app,
            SlackSender(url, SECRET, response_url_factory=slack.response_url, imitation=slack),
        )


def test_bolt_command_button_and_thread_reply(
    slack: SlackImitation, bolt: tuple[App, SlackSender]
) -> None:
    app, sender = bolt
    button = {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": "approve",
                "value": "job-1",
                "text": {"type": "plain_text", "text": "Approve"},
                "style": "primary",
            }
        ],
    }

    @app.command("/dailies")
    def on_command(ack: Any, command: dict[str, Any], client: WebClient, respond: Any) -> None:
        ack()
        respond(f"queued {command['text']}")
        client.chat_postMessage(
            channel=command["channel_id"],
            text="job",
            blocks=[_section(f"job for <@{command['user_id']}>"), button],
        )

    @app.action("approve")
    def on_approve(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        respond(text=f"approved {body['actions'][0]['value']}", replace_original=True)

    @app.event("message")
    def on_message(event: dict[str, Any], say: Any) -> None:
        say(text=f"got {event['text']}", thread_ts=event.get("thread_ts") or event["ts"])

    reply = sender.command("/dailies", "a fox")
    assert reply.status == 200 and reply.acked_in_time
    job = slack.wait_for(lambda: slack.messages("C1"))[0]
    assert slack.wait_for(lambda: slack.ephemerals)[0]["text"] == "queued a fox"

    with pytest.raises(ValueError):
        sender.block_action("reject", None, "U1", "C1", job["ts"])
    assert sender.block_action("approve", None, "U1", "C1", job["ts"]).status == 200
    slack.wait_for(lambda: slack.message("C1", job["ts"])["text"] == "approved job-1")
    assert "blocks" not in slack.message("C1", job["ts"])

    sent, _ = sender.user_message("C1", "U1", "more foxes", thread_ts=job["ts"])
    assert sent.status == 200
    replies = slack.wait_for(lambda: [m for m in slack.thread("C1", job["ts"]) if m.get("bot_id")])
    assert replies[0]["text"] == "got more foxes"

    assert sender.command("/dailies", "x", forged=True).status == 401


def test_bolt_modal_from_command_and_submission(
    slack: SlackImitation, bolt: tuple[App, SlackSender]
) -> None:
    app, sender = bolt
    modal = {
        "type": "modal",
        "callback_id": "draft",
        "title": {"type": "plain_text", "text": "Draft"},
        "submit": {"type": "plain_text", "text": "Draft"},
        "blocks": [
            {
                "type": "input",
                "block_id": "prompt",
                "label": {"type": "plain_text", "text": "Prompt"},
                "element": {"type": "plain_text_input", "action_id": "text"},
            }
        ],
    }

    @app.command("/dailies")
    def on_command(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=modal)

    @app.view("draft")
    def on_submit(ack: Any, view: dict[str, Any], client: WebClient) -> None:
        prompt = view["state"]["values"]["prompt"]["text"]["value"]
        if not prompt:
            ack(response_action="errors", errors={"prompt": "Say what to draw"})
            return
        ack()
        client.chat_postMessage(channel="C1", text=f"drafting {prompt}")

    sender.command("/dailies", "")
    slack.wait_for(lambda: slack.views)
    empty = sender.view_submission(
        "draft", {"prompt": {"text": {"type": "plain_text_input", "value": ""}}}, "U1"
    )
    assert empty.json() == {"response_action": "errors", "errors": {"prompt": "Say what to draw"}}
    with pytest.raises(ValueError):
        sender.view_submission("draft", {"nope": {"text": {"value": "x"}}}, "U1")
    sender.view_submission(
        "draft", {"prompt": {"text": {"type": "plain_text_input", "value": "a fox"}}}, "U1"
    )
    slack.wait_for(lambda: [m for m in slack.messages("C1") if m["text"] == "drafting a fox"])


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
