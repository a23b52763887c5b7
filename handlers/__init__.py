"""Slack listeners, one module per user intent; ``register`` wires them all into a Bolt app."""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime
from handlers import (
    anchors,
    animate,
    dailies_command,
    draft,
    edit_actions,
    edit_reply,
    ignored_events,
    job_controls,
    palette,
    post_again,
    promote,
    recipes,
    replays,
    replies,
    variant_actions,
    votes,
)


def register(app: App, runtime: Runtime) -> None:
    for module in (
        replays,  # first: a replayed command is dropped before any listener runs
        variant_actions,
        draft,
        job_controls,
        dailies_command,
        anchors,
        recipes,
        palette,
        animate,
        edit_actions,
        edit_reply,
        votes,
        promote,
        post_again,
        replies,
        ignored_events,  # last: it acknowledges what nothing above claimed
    ):
        module.register(app, runtime)
