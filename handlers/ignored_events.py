"""Events the bot subscribes to but has nothing to do with, acknowledged last.

The manifest subscribes to every channel message and reaction (replies and votes need them), so
most deliveries concern nothing of ours. Bolt answers an event no listener matched with 404, and
Slack then retries it and, after enough failures, turns the subscription off. These catch-alls,
registered after every feature's listeners, acknowledge the rest and do nothing.
"""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime

IGNORED_EVENTS = ("message", "reaction_added", "reaction_removed", "app_mention")


def register(app: App, runtime: Runtime) -> None:
    for event_type in IGNORED_EVENTS:
        app.event(event_type)(_ignore)


def _ignore() -> None:
    """Nothing to do: the event was for people, not for dailies."""
