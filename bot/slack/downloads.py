"""Downloading a person's Slack file (an edit mask) without handing the bot token to anyone else.

Slack serves ``url_private`` files over https from its file hosts and wants the bot token with
the request. A URL from an event is data, not a promise: only https URLs on the allowed hosts
(``DAILIES_SLACK_FILE_HOSTS``) are fetched, the token goes only there, and a redirect elsewhere
is refused rather than followed with the token attached.
"""

from __future__ import annotations

from urllib.parse import urlsplit
from urllib.request import HTTPRedirectHandler, Request, build_opener


class DownloadRefused(Exception):
    """The URL is not one of Slack's file hosts (or redirects away from them)."""


def allowed(url: str, hosts: str) -> bool:
    """``hosts``: comma-separated host names (https only) or exact origins
    (``http://127.0.0.1:8123``, for a local Slack imitation)."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    for entry in filter(None, (h.strip().lower() for h in hosts.split(","))):
        if "://" in entry:
            if origin == entry.rstrip("/"):
                return True
        elif parts.scheme == "https" and parts.hostname == entry:
            return True
    return False


def fetch(url: str, token: str, hosts: str, limit: int, timeout: float = 30.0) -> bytes:
    """Up to ``limit + 1`` bytes of the file (the caller says what "too big" means)."""
    if not allowed(url, hosts):
        raise DownloadRefused(f"that file is not on Slack's file hosts ({urlsplit(url).netloc})")

    class SameHosts(HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
            if not allowed(newurl, hosts):
                raise DownloadRefused("the file download redirected away from Slack's hosts")
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    opener = build_opener(SameHosts)
    request = Request(url, headers={"Authorization": f"Bearer {token}"})
    with opener.open(request, timeout=timeout) as response:
        return response.read(limit + 1)
