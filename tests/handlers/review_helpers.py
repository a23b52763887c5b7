"""Shared steps for the review tests: start a draft, find a variant's button, read its tally."""

from __future__ import annotations

import threading
import time
from typing import Any

from bot.slack.posted import posted_message


def start_draft(bot: Any, text: str, user: str = "U1") -> tuple[dict, dict]:
    """Run /draft and wait for its variants; returns (root message, variants message)."""
    before = len(bot.root_messages())
    bot.sender.command("/draft", text, user_id=user)
    root = bot.slack.wait_for(
        lambda: bot.root_messages()[before] if len(bot.root_messages()) > before else None
    )
    shown = bot.wait_for_variants("C1", root["ts"])[0]
    # The bot records where it posted right after Slack answers; a person reacts later than that.
    bot.slack.wait_for(lambda: posted_message(bot.runtime.store, "C1", shown["ts"]))
    return root, shown


def action_id(message: dict, base: str, variant: int) -> str:
    for block in message["blocks"]:
        if block.get("block_id") == f"variant_{variant}_actions":
            for element in block["elements"]:
                if element.get("action_id", "").startswith(f"{base}:"):
                    return element["action_id"]
    raise AssertionError(f"no {base} button on variant {variant}")


def click(bot: Any, message: dict, base: str, variant: int, user: str):
    return bot.sender.block_action(
        action_id(message, base, variant), None, user, "C1", message["ts"]
    )


def note(message: dict, variant: int) -> str:
    for block in message.get("blocks") or []:
        if block.get("block_id") == f"variant_{variant}_note":
            return " ".join(e["text"] for e in block["elements"])
    return ""


def current(bot: Any, message: dict) -> dict:
    return bot.slack.message("C1", message["ts"])


def wait_note(bot: Any, message: dict, variant: int, expected: str, timeout: float = 10) -> str:
    """Wait until variant's tally line contains ``expected`` ("" waits for no line at all)."""

    def shown() -> str | None:
        text = note(current(bot, message), variant)
        if expected == "":
            return "none" if text == "" else None
        return text if expected in text else None

    return bot.slack.wait_for(shown, timeout=timeout)


class SlowSteps:
    """The tiny model with each step taking ``delay`` seconds (like a real model on a GPU), so a
    draft is still rendering while a test acts on it."""

    def __init__(self, inner: Any, delay: float = 0.05) -> None:
        self.inner = inner
        self.delay = delay

    def describe(self, request: Any) -> Any:
        return self.inner.describe(request)

    def generate(self, request: Any, progress: Any = None, cancelled: Any = None, **kwargs: Any):
        def slow(image: int, step: int, total: int) -> None:
            time.sleep(self.delay)
            progress(image, step, total)

        return self.inner.generate(request, progress=slow, cancelled=cancelled, **kwargs)


def votes_at_once(bot: Any, message: dict, variant: int, users: list[str]) -> list:
    """Every user clicks Vote on ``variant`` at the same moment (a room voting together)."""
    barrier = threading.Barrier(len(users))
    answers: list = []

    def vote(user: str) -> None:
        barrier.wait()
        answers.append(click(bot, message, "vote", variant, user))

    threads = [threading.Thread(target=vote, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers
