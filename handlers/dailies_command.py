"""/dailies: the home of settings commands. Later features add subcommands to SUBCOMMANDS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from bot import blocks
from bot.runtime import Runtime

# name → function(runtime, body, arguments) returning the ephemeral answer.
Subcommand = Callable[[Runtime, dict[str, Any], str], blocks.Message]
SUBCOMMANDS: dict[str, Subcommand] = {}


def register(app: App, runtime: Runtime) -> None:
    @app.command("/dailies")
    def dailies(ack: Ack, body: dict[str, Any]) -> None:
        name, _, arguments = body.get("text", "").strip().partition(" ")
        name = name.lower()
        if name in ("", "help"):
            text, message_blocks = blocks.help_message()
        elif name in SUBCOMMANDS:
            text, message_blocks = SUBCOMMANDS[name](runtime, body, arguments.strip())
        else:
            help_text, _ = blocks.help_message()
            text, message_blocks = blocks.notice(
                f":warning: Unknown command `/dailies {name}`.\n\n{help_text}"
            )
        ack(text=text, blocks=message_blocks)
