"""The pretend people of the playground, its starting channels and the autocomplete list.

Why one list: the page's "Acting as …" switcher, the names the imitation's users.info answers
with (so the bot's own ``<@U…>`` mentions show as ``@Alice``), the playground's first-run setup
(Alice is made the approver of #design) and the browser tests all name the same people.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.jobs.draft_options import FLAG_HELP
from bot.slack.blocks.help import COMMANDS


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    role: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.role})" if self.role else self.name


PEOPLE: tuple[Person, ...] = (
    Person("U0ALICE", "Alice", "approver"),
    Person("U0BOB", "Bob"),
    Person("U0CHEN", "Chen"),
    Person("U0DANA", "Dana"),
)
APPROVER = PEOPLE[0]

# Channels a fresh playground starts with (name → id); people may create more from the page.
START_CHANNELS: dict[str, str] = {"design": "C0DESIGN", "social": "C0SOCIAL"}


def slash_commands() -> list[dict[str, str]]:
    """What the composer's autocomplete offers, from the same lists as ``/dailies help``."""
    entries = [
        {"usage": syntax, "help": what}
        for syntax, what in COMMANDS
        if syntax.startswith(("/draft", "/dailies"))
    ]
    flags = [{"usage": flag, "help": what} for flag, what in FLAG_HELP.items()]
    return entries + [{"usage": f"/draft … {f['usage']}", "help": f["help"]} for f in flags]
