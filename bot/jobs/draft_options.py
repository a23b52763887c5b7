"""Parsing ``<prompt> --flag value …`` the same way for /draft, @mentions, replies and the CLI.

Flags follow Midjourney's habits (``--ar 4:5``, ``--no text, logo``) because that is what
creative teams already type; a phone's auto-corrected em dash (``—ar``) counts as ``--``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_PROMPT_CHARS = 2000
# The recipe modal's negative prompt field holds 2000 characters (Slack's plain_text_input cap).
MAX_NEGATIVE_CHARS = 2000
MIN_N, MAX_N, DEFAULT_N = 1, 8, 4
ASPECTS = ("1:1", "4:5", "5:4", "2:3", "3:2", "3:4", "4:3", "16:9", "9:16", "21:9", "9:21")
MAX_ASPECT_SIDE_RATIO = 4.0
MAX_SEED = 2**32 - 1

FLAG_HELP: dict[str, str] = {
    "--n N": f"number of variants, {MIN_N}–{MAX_N} (default {DEFAULT_N})",
    "--ar W:H": "aspect ratio, e.g. " + ", ".join(ASPECTS[:9]) + " (default 1:1)",
    "--seed N": f"seed 0–{MAX_SEED}; variant k uses seed+k−1 (random when absent)",
    "--no TEXT": "negative prompt: what to keep out of the image",
    "--steps N": "denoising steps, bounded per tier",
    '--recipe NAME slot="value"': "run a saved recipe; your other flags override it",
    "--anchor NAME|none": "follow this style anchor, or none, instead of the thread's",
    "--lora NAME[:W]|none": "apply a configured LoRA at weight W (default its own), several "
    "with commas; none drops the channel's",
}
USAGE = (
    "Usage: `/draft <prompt> [--n 1-8] [--ar W:H] [--seed N] [--no things to avoid] [--steps N]`"
)


class OptionsError(ValueError):
    """Bad input; the message is meant for the person who typed it."""


@dataclass(frozen=True)
class DraftOptions:
    prompt: str
    n: int = DEFAULT_N
    aspect: tuple[int, int] = (1, 1)
    seed: int | None = None
    negative_prompt: str = ""
    steps: int | None = None

    @property
    def aspect_text(self) -> str:
        return f"{self.aspect[0]}:{self.aspect[1]}"


_FLAG = re.compile(r"(?:^|\s)--([A-Za-z][\w-]*)(?:=|\s+|$)")
_DASHED = re.compile(r"(^|\s)[\u2014\u2013]([A-Za-z][\w-]*)")


def flag_names() -> set[str]:
    """Every flag the bot documents (features add theirs to FLAG_HELP), plus aliases."""
    return {key.split()[0].removeprefix("--") for key in FLAG_HELP} | {"aspect"}


def split_flags(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Prompt text and (flag, value) pairs in order; a value runs to the next flag.

    A dash a phone turned into — or – counts as ``--`` only right before a flag's name
    (``—ar 4:5``); every other dash in the prompt is the person's and is kept.
    """
    names = flag_names()
    text = _DASHED.sub(
        lambda m: f"{m.group(1)}--{m.group(2)}" if m.group(2).lower() in names else m.group(0),
        text,
    ).strip()
    matches = list(_FLAG.finditer(text))
    prompt = text[: matches[0].start()].strip() if matches else text
    pairs = []
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        pairs.append((match.group(1).lower(), text[match.end() : end].strip()))
    return prompt, pairs


def _int(flag: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise OptionsError(
            f"`--{flag}` needs a whole number, got `{value or '(nothing)'}`."
        ) from None
    if not low <= number <= high:
        raise OptionsError(f"`--{flag}` must be between {low} and {high}, got {number}.")
    return number


def parse_aspect(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d{1,3})\s*[:x×]\s*(\d{1,3})\s*", value)
    if not match:
        raise OptionsError(f"`--ar` needs a ratio like 4:5 or 16:9, got `{value or '(nothing)'}`.")
    w, h = int(match.group(1)), int(match.group(2))
    if w == 0 or h == 0:
        raise OptionsError(f"`--ar {value}` has a zero side.")
    if max(w / h, h / w) > MAX_ASPECT_SIDE_RATIO:
        raise OptionsError(f"`--ar {value}` is too extreme; keep it within 1:4 to 4:1.")
    return w, h


def visible(text: str) -> bool:
    """Whether ``text`` has a character a person can see (not only spaces, zero-width spaces,
    joiners or control characters)."""
    return any(unicodedata.category(ch)[0] not in "ZC" for ch in text)


def check_prompt(prompt: str) -> str:
    if not prompt:
        raise OptionsError("The prompt is empty: say what to draw before the flags.")
    if not visible(prompt):
        raise OptionsError(
            "The prompt has no visible characters (only spaces or invisible ones): "
            "say what to draw."
        )
    if len(prompt) > MAX_PROMPT_CHARS:
        raise OptionsError(
            f"The prompt is {len(prompt)} characters; the limit is {MAX_PROMPT_CHARS}."
        )
    return prompt


def options_from(
    prompt: str, pairs: list[tuple[str, str]], extra_flags: frozenset[str] = frozenset()
) -> tuple[DraftOptions, dict[str, str]]:
    """Options from a prompt taken as it is (never split into flags) and already split flags:
    a recipe's filled template must reach the model exactly as saved and typed."""
    values: dict[str, object] = {}
    extras: dict[str, str] = {}
    seen: set[str] = set()
    for flag, value in pairs:
        if flag in seen:
            raise OptionsError(f"`--{flag}` is given twice.")
        seen.add(flag)
        if flag == "n":
            values["n"] = _int("n", value, MIN_N, MAX_N)
        elif flag in ("ar", "aspect"):
            values["aspect"] = parse_aspect(value)
        elif flag == "seed":
            values["seed"] = _int("seed", value, 0, MAX_SEED)
        elif flag == "no":
            if not value:
                raise OptionsError("`--no` needs the things to keep out, e.g. `--no text, logo`.")
            if len(value) > MAX_NEGATIVE_CHARS:
                raise OptionsError(
                    f"`--no` is {len(value)} characters; the limit is {MAX_NEGATIVE_CHARS}."
                )
            values["negative_prompt"] = value
        elif flag == "steps":
            values["steps"] = _int("steps", value, 1, 150)
        elif flag in extra_flags:
            extras[flag] = value
        else:
            raise OptionsError(f"Unknown flag `--{flag}`.")
    return DraftOptions(prompt=check_prompt(prompt), **values), extras  # type: ignore[arg-type]


def parse_draft_text(
    text: str, extra_flags: frozenset[str] = frozenset()
) -> tuple[DraftOptions, dict[str, str]]:
    """Parse a prompt with flags. Flags named in ``extra_flags`` are returned untouched so later
    features can add their own without this parser knowing them."""
    prompt, pairs = split_flags(text)
    check_prompt(prompt)
    return options_from(prompt, pairs, extra_flags)
