"""The Bolt app and the two ways Slack reaches it: Socket Mode or HTTP at /slack/events."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

import handlers
from bot.lifecycle import stop_on_signals
from bot.runtime import Runtime
from bot.slack.redelivery import Ticker
from handlers.redelivery import report_due, report_unreported, resume_held

log = logging.getLogger(__name__)


def create_app(runtime: Runtime) -> App:
    """A Bolt app on the runtime's WebClient (its base URL may be a local Slack imitation)."""
    app = App(
        client=runtime.client,
        signing_secret=runtime.settings.slack_signing_secret or None,
        # Socket Mode does not sign requests; HTTP mode must.
        request_verification_enabled=bool(runtime.settings.slack_signing_secret),
        ignoring_self_events_enabled=True,
        # Work after ack() (status posts, 429 waits, downloads) holds a listener thread; with
        # Bolt's default 5, a slow Slack made other commands miss their 3 s ack.
        listener_executor=ThreadPoolExecutor(
            max_workers=runtime.settings.listener_threads, thread_name_prefix="dailies-listener"
        ),
    )
    handlers.register(app, runtime)
    return app


def start_engine(runtime: Runtime) -> None:
    report_unreported(runtime)
    runtime.engine.start()
    resume_held(runtime)
    # Results that could not be posted are tried again on their schedule (rows say when).
    interval = max(0.2, min(5.0, runtime.settings.delivery_retry_s / 2))
    ticker = Ticker(interval, lambda: report_due(runtime), "dailies-redelivery")
    runtime.tickers.append(ticker.start())


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # socketserver's default backlog of 5 resets connections when a burst of clicks (a room
    # voting at once) arrives together; Slack would see errors and retry.
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        log.debug("http: " + format, *args)


def make_http_server(app: App, host: str, port: int) -> WSGIServer:
    """A threaded WSGI server: a slow request never holds up another's 3-second ack."""
    wsgi = SlackRequestHandler(app)

    def application(environ, start_response):  # type: ignore[no-untyped-def]
        if environ.get("PATH_INFO") != "/slack/events":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        return wsgi(environ, start_response)

    return make_server(
        host, port, application, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )


def serve_http(runtime: Runtime, host: str, port: int) -> None:
    app = create_app(runtime)
    start_engine(runtime)
    server = make_http_server(app, host, port)
    log.info("dailies listening on http://%s:%d/slack/events", host, server.server_port)
    try:
        with stop_on_signals():
            server.serve_forever()
    finally:
        server.server_close()  # stop accepting first, then drain
        runtime.close()


def socket_mode_handler(runtime: Runtime, app: App) -> Any:
    """Bolt's ``websocket_client`` adapter: after Slack's routine ``disconnect:
    refresh_requested`` it acks on the new connection in milliseconds, where the built-in client
    waited out a 3 s read (past Slack's deadline). Its Web API client (for
    apps.connections.open) uses the configured API URL."""
    from slack_bolt.adapter.socket_mode.websocket_client import SocketModeHandler
    from slack_sdk import WebClient

    return SocketModeHandler(
        app,
        runtime.settings.slack_app_token,
        web_client=WebClient(base_url=runtime.settings.slack_api_url),
        concurrency=runtime.settings.listener_threads,
        # Also how often a dropped connection is noticed and replaced (slack_sdk's monitor).
        ping_interval=5,
    )


def serve_socket_mode(runtime: Runtime) -> None:
    app = create_app(runtime)
    start_engine(runtime)
    handler = socket_mode_handler(runtime, app)
    try:
        with stop_on_signals():
            handler.start()
    finally:
        handler.close()
        runtime.close()
