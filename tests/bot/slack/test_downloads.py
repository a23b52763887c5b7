"""Mask downloads go only to Slack's file hosts over https, and the bot token with them."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from bot.slack.downloads import DownloadRefused, allowed, fetch


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://files.slack.com/files-pri/T1-F1/mask.png", True),
        ("http://files.slack.com/files-pri/T1-F1/mask.png", False),
        ("file:///etc/passwd", False),
        ("https://files.slack.com.evil.example/mask.png", False),
        ("https://evil.example/?files.slack.com", False),
        ("ftp://files.slack.com/mask.png", False),
    ],
)
def test_only_https_on_slacks_file_hosts(url, ok):
    assert allowed(url, "files.slack.com") is ok


class Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str | None]]] = []
    redirect_to = ""

    def do_GET(self):
        Recorder.seen.append((self.path, self.headers.get("Authorization")))
        if self.path == "/hop" and Recorder.redirect_to:
            self.send_response(302)
            self.send_header("Location", Recorder.redirect_to)
            self.end_headers()
            return
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"png-bytes")

    def log_message(self, *args):
        pass


@pytest.fixture
def servers():
    made = []
    for _ in range(2):
        server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        made.append(server)
    Recorder.seen = []
    yield [f"http://127.0.0.1:{s.server_address[1]}" for s in made]
    for server in made:
        server.shutdown()
        server.server_close()


def test_the_token_never_leaves_the_allowed_hosts(servers):
    slack, elsewhere = servers
    assert fetch(f"{slack}/file", "xoxb-secret", slack, 100) == b"png-bytes"
    assert Recorder.seen == [("/file", "Bearer xoxb-secret")]
    with pytest.raises(DownloadRefused):
        fetch(f"{elsewhere}/file", "xoxb-secret", slack, 100)
    Recorder.redirect_to = f"{elsewhere}/stolen"
    with pytest.raises(DownloadRefused):
        fetch(f"{slack}/hop", "xoxb-secret", slack, 100)
    assert ("/stolen", "Bearer xoxb-secret") not in Recorder.seen
    assert len(Recorder.seen) == 2, "nothing was sent to the other host"
