"""Which failed Slack calls slack_sdk may repeat on its own, at once.

A 500 or a dropped connection does not say whether Slack acted: ``chat.postMessage`` often did
post before the answer was lost. Repeated blindly, it posts twice. So calls that create
something are not retried here, except when the connection was refused (nothing was sent);
they fail to the caller, whose own retry first looks for what was already made (the outbox's
``post_once`` finds a message by its metadata). Calls that are safe to repeat (``chat.update``,
reads, ``views.publish``) keep slack_sdk's retries.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    ServerErrorRetryHandler,
)

# Web API methods whose repeat makes a second message (completing an upload again shares the
# same file once: it is safe).
CREATING_METHODS = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.scheduleMessage",
        "chat.meMessage",
    }
)


def creates(request: Any) -> bool:
    return str(request.url).rstrip("/").rsplit("/", 1)[-1] in CREATING_METHODS


def _refused(error: BaseException | None) -> bool:
    """The connection was never made, so the request never reached Slack."""
    reason = getattr(error, "reason", error)
    return isinstance(reason, ConnectionRefusedError)


class SafeServerErrorRetryHandler(ServerErrorRetryHandler):
    """slack_sdk's 5xx retries, for calls whose repeat cannot double anything."""

    def _can_retry(self, *, state: Any, request: Any, response: Any = None,
                   error: Any = None) -> bool:  # fmt: skip
        if creates(request):
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


class SafeConnectionErrorRetryHandler(ConnectionErrorRetryHandler):
    """slack_sdk's connection-error retries; a creating call only when it was never sent."""

    def _can_retry(self, *, state: Any, request: Any, response: Any = None,
                   error: Any = None) -> bool:  # fmt: skip
        if creates(request) and not _refused(error):
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)
