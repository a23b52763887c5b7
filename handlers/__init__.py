"""Slack listeners, one module per user intent; ``register`` wires them all into a Bolt app."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime import Runtime


def register(app: App, runtime: Runtime) -> None:
    # Imported here, not at the top: ``dailies --help`` imports this package (handlers.cli) and
    # must not pay for torch and diffusers, which the listeners' modules pull in.
    from handlers import (
        anchors,
        animate,
        app_home,
        dailies_command,
        draft,
        edit_actions,
        edit_reply,
        export,
        find,
        ignored_events,
        job_controls,
        palette,
        post_again,
        private_drafts,
        promote,
        quality,
        recipes,
        replays,
        replies,
        show,
        tags,
        variant_actions,
        votes,
        worker_waits,
    )

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
        quality,
        promote,
        find,
        tags,
        export,
        show,
        app_home,
        private_drafts,
        post_again,
        replies,
        worker_waits,
        ignored_events,  # last: it acknowledges what nothing above claimed
    ):
        module.register(app, runtime)
