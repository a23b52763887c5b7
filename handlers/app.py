"""The Bolt app and the two ways Slack reaches it: Socket Mode or HTTP at /slack/events."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

import handlers
from bot.lifecycle import stop_on_signals
from bot.runtime import Runtime
from bot.slack.http_server import HttpServer
from bot.slack.rate_budget import LISTENER_THREAD_PREFIX
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
            max_workers=runtime.settings.listener_threads, thread_name_prefix=LISTENER_THREAD_PREFIX
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


def make_http_server(app: App, host: str, port: int, threads: int = 32) -> HttpServer:
    """The one HTTP endpoint Slack's requests reach (``/slack/events``; anything else is 404),
    served by waitress with ``threads`` workers: a slow request never holds up another's
    3-second ack."""
    wsgi = SlackRequestHandler(app)

    def application(environ, start_response):  # type: ignore[no-untyped-def]
        if environ.get("PATH_INFO") != "/slack/events":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        return wsgi(environ, start_response)

    return HttpServer(application, host, port, threads)


def serve_http(runtime: Runtime, host: str, port: int) -> None:
    app = create_app(runtime)
    start_engine(runtime)
    server = make_http_server(app, host, port, runtime.settings.listener_threads)
    log.info("dailies listening on http://%s:%d/slack/events", host, server.port)
    try:
        # SIGTERM/SIGINT only ask the server loop to stop: it closes the listening socket first,
        # answers the requests already read, and returns.
        with stop_on_signals(on_signal=server.stop_soon):
            server.serve_forever()
    finally:
        server.stop()  # already stopped after a signal; closes it after an error
        runtime.close()  # then drain: jobs to a checkpoint, the outbox flushed


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
