"""Slack listeners, one module per user intent; ``register`` wires them all into a Bolt app."""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime
from handlers import (
    dailies_command,
    draft,
    edit_actions,
    edit_reply,
    job_controls,
    variant_actions,
)


def register(app: App, runtime: Runtime) -> None:
    for module in (variant_actions, draft, job_controls, dailies_command, edit_actions, edit_reply):
        module.register(app, runtime)
