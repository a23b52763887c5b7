"""A slash command Slack delivers twice (a retry, a replayed request) makes one job: the second
delivery of a ``trigger_id`` is acknowledged and dropped before any listener sees it.

The check is a write made before the ack, so it is bounded: when another writer holds the
database longer than ``PRE_ACK_WRITE_S`` the command is not left waiting past Slack's 3 s.
A /draft then goes on with its check still owed (``TRIGGER_UNCHECKED`` in the context): the
draft records the delivery and its job in one transaction once the database is free, so it is
neither lost nor doubled. Any other command is answered "busy, try again" (nothing was done).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse

from bot.runtime import Runtime
from bot.store.database import StoreBusy

# Seconds a write made before a Slack ack may wait for the database (the ack is due in 3 s).
PRE_ACK_WRITE_S = 1.0
# Context key: the delivery key of a command whose replay check could not be made yet.
TRIGGER_UNCHECKED = "dailies_trigger_unchecked"
# Commands that make the check themselves later, together with what they record.
CHECKS_LATER = frozenset({"/draft"})
BUSY = (
    ":hourglass_flowing_sand: I'm busy writing something else for a moment, so I did nothing "
    "with that. Please send it again in a few seconds."
)


def delivery_key(trigger_id: str) -> str:
    return f"command:{trigger_id}"


def register(app: App, runtime: Runtime) -> None:
    @app.middleware
    def once_per_trigger(
        body: dict[str, Any], context: BoltContext, next: Callable[[], None]
    ) -> BoltResponse | None:
        trigger = body.get("trigger_id") if body.get("command") else None
        if trigger:
            key = delivery_key(trigger)
            try:
                if not runtime.store.first_delivery(key, timeout=PRE_ACK_WRITE_S):
                    return BoltResponse(status=200, body="")
            except StoreBusy:
                if body["command"] not in CHECKS_LATER:
                    return BoltResponse(
                        status=200, body={"response_type": "ephemeral", "text": BUSY}
                    )
                context[TRIGGER_UNCHECKED] = key
        next()
        return None
