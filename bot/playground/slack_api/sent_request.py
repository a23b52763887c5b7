"""What a request sent to the app came back with: ``SentRequest`` and Slack's ack deadline.

Why a module of its own: every kind of request the sender makes (commands, interactions, events)
returns this one result type, and tests assert on it (status, body, time to ack) without caring
how the request was built.
"""

from __future__ import annotations

import json
from typing import Any

ACK_DEADLINE_S = 3.0  # Slack shows the user an error when an interaction is not acked by then


class SentRequest(tuple):
    """``(status, body_text)`` — unpacks like a pair — plus what a test wants to assert on.

    Attributes: ``elapsed`` (seconds until the app answered), ``request_body`` (raw, as signed),
    ``response_url``/``response_key``/``trigger_id`` (interactions), ``event_id`` (events).
    """

    elapsed: float
    request_body: str
    response_url: str | None
    response_key: str | None
    trigger_id: str | None
    event_id: str | None

    def __new__(cls, status: int, body: str, **info: Any) -> SentRequest:
        obj = super().__new__(cls, (status, body))
        obj.__dict__.update(
            {"response_url": None, "response_key": None, "trigger_id": None, "event_id": None}
        )
        obj.__dict__.update(info)
        return obj

    @property
    def status(self) -> int:
        return self[0]

    @property
    def body(self) -> str:
        return self[1]

    @property
    def acked_in_time(self) -> bool:
        """What Slack cares about: HTTP 200 within 3 seconds."""
        return self.status == 200 and self.elapsed <= ACK_DEADLINE_S

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None
