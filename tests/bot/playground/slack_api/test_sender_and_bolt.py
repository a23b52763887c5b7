"""The sender (signed requests as Slack sends them) and slack-bolt end to end on the imitation.

Why: the bot's tests and the playground enter the app through this sender; it must sign like
Slack and keep the imitation consistent with what a person did.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.playground.slack_api import (
    BoltHTTPServer,
    SlackImitation,
    SlackSender,
)
from tests.bot.playground.slack_api.imitation_helpers import (
    SECRET,
    TOKEN,
    _section,
)

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
