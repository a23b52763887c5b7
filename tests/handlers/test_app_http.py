"""HTTP mode on waitress: the one endpoint Slack reaches, and a SIGTERM that loses no request."""

from __future__ import annotations

import os
import signal
import socket
import threading
import urllib.error
import urllib.request

import pytest

from bot.lifecycle import stop_on_signals
from bot.slack.http_server import HttpServer


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_slack_events_are_served_by_waitress_and_other_paths_are_404(bot):
    status, headers, body = _get(bot.url.replace("/slack/events", "/admin"))
    assert (status, body) == (404, b"not found")
    assert headers.get("Server") == "waitress"
    sent = bot.sender.command("/draft", "   ")  # a signed request through the same server
    assert sent.status == 200 and "--ar W:H" in sent.json()["text"]


def _connect_refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


def _slow_app(entered: threading.Event, release: threading.Event):
    def app(environ, start_response):
        entered.set()
        assert release.wait(30)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"answered"]

    return app


def test_a_stop_refuses_new_connections_first_and_answers_the_request_in_flight():
    entered, release = threading.Event(), threading.Event()
    server = HttpServer(_slow_app(entered, release), "127.0.0.1", 0, threads=4)
    serving = threading.Thread(target=server.serve_forever)
    serving.start()
    answers: list[tuple[int, dict[str, str], bytes]] = []
    asking = threading.Thread(
        target=lambda: answers.append(_get(f"http://127.0.0.1:{server.port}/"))
    )
    asking.start()
    assert entered.wait(10), "the request reached the app"

    server.stop_soon()
    pause = threading.Event()  # never set: a 50 ms wait between looks at the condition
    for _ in range(200):  # the listening socket closes within a loop turn or two
        if _connect_refused(server.port):
            break
        pause.wait(0.05)
    assert _connect_refused(server.port), "no new connections once stopping"
    assert serving.is_alive(), "the request already read is still being answered"

    release.set()
    asking.join(10)
    serving.join(10)
    assert not serving.is_alive(), "serve_forever returned"
    assert [(status, body) for status, _, body in answers] == [(200, b"answered")]


@pytest.mark.skipif(not hasattr(signal, "SIGTERM"), reason="needs POSIX signals")
def test_sigterm_stops_the_server_loop_cleanly_on_the_main_thread():
    """What `dailies serve --http` does on SIGTERM, in this process: the signal only asks the
    loop to stop (waitress would swallow an exception raised inside it), and serving returns."""
    entered, release = threading.Event(), threading.Event()
    release.set()
    server = HttpServer(_slow_app(entered, release), "127.0.0.1", 0, threads=2)
    answers = []

    def client_then_sigterm():
        answers.append(_get(f"http://127.0.0.1:{server.port}/"))
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=client_then_sigterm, daemon=True).start()
    previous = signal.getsignal(signal.SIGTERM)
    with stop_on_signals(on_signal=server.stop_soon):
        server.serve_forever()  # returns once the signal arrived and the loop drained
    server.stop()  # idempotent, as serve_http's finally calls it
    assert signal.getsignal(signal.SIGTERM) == previous, "the old handler is back"
    assert [(status, body) for status, _, body in answers] == [(200, b"answered")]
    assert _connect_refused(server.port)
