"""/dailies: the home of settings commands; SUBCOMMANDS lists every one and who answers it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from bot.runtime import Runtime
from bot.slack import blocks
from bot.store.database import StoreBusy
from handlers.anchors import anchor_command
from handlers.export import export_command
from handlers.find import find_command
from handlers.models_command import lora_command, models_command
from handlers.palette import palette_command
from handlers.promote import approvers_command, finals_command
from handlers.queue import queue_command
from handlers.recipes import recipe_command
from handlers.replays import BUSY, PRE_ACK_WRITE_S
from handlers.show import show_command
from handlers.stats import stats_command
from handlers.tags import tag_command

# name → function(runtime, body, arguments) returning the ephemeral answer.
Subcommand = Callable[[Runtime, dict[str, Any], str], blocks.Message]
SUBCOMMANDS: dict[str, Subcommand] = {
    "approvers": approvers_command,
    "finals": finals_command,
    "anchor": anchor_command,
    "recipe": recipe_command,
    "palette": palette_command,
    "find": find_command,
    "tag": tag_command,
    "show": show_command,
    "export": export_command,
    "queue": queue_command,
    "stats": stats_command,
    "models": models_command,
    "lora": lora_command,
}


def register(app: App, runtime: Runtime) -> None:
    @app.command("/dailies")
    def dailies(ack: Ack, body: dict[str, Any]) -> None:
        name, _, arguments = body.get("text", "").strip().partition(" ")
        name = name.lower()
        if name in ("", "help"):
            text, message_blocks = blocks.help_message()
        elif name in SUBCOMMANDS:
            try:  # its writes come before the ack: a database held elsewhere must not delay it
                with runtime.store.bounded(PRE_ACK_WRITE_S):
                    text, message_blocks = SUBCOMMANDS[name](runtime, body, arguments.strip())
            except StoreBusy:
                text, message_blocks = blocks.notice(BUSY)
        else:
            help_text, _ = blocks.help_message()
            text, message_blocks = blocks.notice(
                f":warning: Unknown command `/dailies {name}`.\n\n{help_text}"
            )
        ack(text=text, blocks=message_blocks)
