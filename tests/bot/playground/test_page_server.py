"""The page server's wire behaviour a browser relies on: files with Range requests (how video
plays and loops), Server-Sent Events after each change, and actions refused with a message."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest

from bot.playground.page_server import PageServer
from bot.playground.people import PEOPLE
from bot.playground.slack_api import SlackImitation, SlackSender
from bot.playground.workspace import Workspace

CLIP = bytes(range(256)) * 40  # stands in for an MP4: only the bytes matter here


@pytest.fixture
def served() -> Iterator[tuple[PageServer, SlackImitation]]:
    with SlackImitation() as slack:
        sender = SlackSender("http://127.0.0.1:9/slack/events", "s", imitation=slack)
        server = PageServer(Workspace(slack, sender), {"family": "tiny", "banner": ""}, port=0)
        server.start()
        yield server, slack
        server.stop()


def test_files_answer_range_requests(served) -> None:
    server, slack = served
    msg = slack.post_user_message("C0DESIGN", PEOPLE[0].id, "clip", files=[("c.mp4", CLIP)])
    url = f"{server.url}files/{msg['files'][0]['id']}/c.mp4"
    whole = urlopen(url, timeout=10)
    assert whole.status == 200 and whole.headers["Content-Type"] == "video/mp4"
    assert whole.headers["Accept-Ranges"] == "bytes" and whole.read() == CLIP
    part = urlopen(Request(url, headers={"Range": "bytes=100-199"}), timeout=10)
    assert part.status == 206 and part.read() == CLIP[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(CLIP)}"
    tail = urlopen(Request(url, headers={"Range": "bytes=-10"}), timeout=10)
    assert tail.read() == CLIP[-10:]
    with pytest.raises(HTTPError) as missing:
        urlopen(f"{server.url}files/F404/x.png", timeout=10)
    assert missing.value.code == 404


def test_events_follow_each_change(served) -> None:
    server, slack = served
    stream = urlopen(f"{server.url}api/events", timeout=10)
    first = [stream.readline() for _ in range(3)]
    assert first[0] == b"event: change\n"
    seen = int(first[1].split(b":")[1])
    slack.post_user_message("C0DESIGN", PEOPLE[1].id, "hi")  # the stream waits for it
    lines = [stream.readline() for _ in range(2)]
    assert lines[0] == b"event: change\n" and int(lines[1].split(b":")[1]) > seen
    stream.close()


def test_a_refused_action_says_why(served) -> None:
    server, _ = served
    body = json.dumps({"user": PEOPLE[0].id, "name": "Bad Name"}).encode()
    with pytest.raises(HTTPError) as refused:
        urlopen(Request(f"{server.url}api/channels", data=body, method="POST"), timeout=10)
    assert refused.value.code == 400
    assert "lowercase letters" in json.loads(refused.value.read())["error"]
    state = json.loads(urlopen(f"{server.url}api/state?user=nobody&channel=C0NOPE").read())
    assert state["user"] == PEOPLE[0].id and state["channel"] == "C0DESIGN"
