"""Which failed calls slack_sdk may repeat at once: never one that may already have posted."""

from __future__ import annotations

from urllib.error import URLError

from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.slack.retries import SafeConnectionErrorRetryHandler, SafeServerErrorRetryHandler


def request(method: str) -> HttpRequest:
    return HttpRequest(method="POST", url=f"https://slack.com/api/{method}", headers={})


def test_a_5xx_is_retried_for_an_edit_but_not_for_a_post():
    handler = SafeServerErrorRetryHandler(max_retry_count=2)
    answer = HttpResponse(status_code=500, headers={})
    kwargs = {"state": RetryState(), "response": answer}
    assert handler.can_retry(request=request("chat.update"), **kwargs)
    assert handler.can_retry(request=request("files.completeUploadExternal"), **kwargs)
    assert not handler.can_retry(request=request("chat.postMessage"), **kwargs)


def test_a_post_is_retried_only_when_the_connection_was_refused():
    handler = SafeConnectionErrorRetryHandler(max_retry_count=2)
    post = request("chat.postMessage")
    refused = URLError(ConnectionRefusedError(111, "refused"))
    assert handler.can_retry(state=RetryState(), request=post, error=refused)
    assert not handler.can_retry(state=RetryState(), request=post, error=ConnectionResetError())
    assert handler.can_retry(
        state=RetryState(), request=request("chat.update"), error=ConnectionResetError()
    )
