"""``/dailies help``: every command and flag, from one list."""

from __future__ import annotations

from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from bot.jobs.draft_options import FLAG_HELP
from bot.slack.blocks.common import MAX_SECTION, Message, render, truncate

# Commands the bot understands: (syntax, what it does), in the order help shows them.
COMMANDS: list[tuple[str, str]] = [
    (
        "/draft <prompt> [flags]",
        "make variants with the fast draft model; results land in a thread",
    ),
    ("@dailies <prompt> [flags]", "the same as /draft, anywhere you can mention the bot"),
    ("/dailies help", "this help"),
    (
        "edit #N <what to change> (thread reply with a mask PNG)",
        "regenerate the white area of the mask on image #N of the thread; the rest stays as is",
    ),
    (
        "Animate (button on a variant)",
        "test clips with a motion preset (product, atmosphere, character or 1–10), then "
        "Render HD or Extend the steadiest",
    ),
    (
        "reply in a draft's thread",
        "make the next iteration (v2, v3…) from the leading variant of the latest iteration;"
        " `#3` starts from variant 3 of the latest variants, `v1#3` from v1's #3;"
        " `--n --ar --seed --no --steps` work too",
    ),
    (
        "Vote, :+1: or :one:…:eight:",
        "vote for a variant (:+1: on a single variant, :one:…:eight: on a grid);"
        " click again or remove your reaction to take it back",
    ),
    ("Promote", "re-render a variant at the final tier; the FINAL lands in the thread"),
    (
        "/dailies approvers [@a @b | anyone]",
        "who may promote in this channel (default anyone); alone, shows the setting",
    ),
    ("/dailies finals first on|off", "whether finals go ahead of drafts in the queue"),
    ("/dailies anchor list", "style anchors, and which one this channel follows"),
    ("/dailies anchor use NAME | clear", "set or stop the channel's style anchor"),
    ("/dailies anchor channel", "make the style you just locked the channel's anchor"),
    ("/dailies anchor name NAME | scale 0–1", "rename your latest anchor / set its strength"),
    ("/dailies palette #RRGGBB …", "set this channel's brand palette (2–12 colours)"),
    ("/dailies palette | palette clear", "show / remove this channel's palette"),
    ('/draft --recipe NAME slot="value"', "run a saved recipe, filling its {slots}"),
    ("/dailies recipe list | show NAME", "the workspace's recipes"),
    ("/dailies recipe save NAME | delete NAME", "save the latest draft as a recipe / delete"),
    (
        "/dailies find <words> [by @user] [in #channel] [approved|finals|voted|tag:NAME]"
        " [since 3h|2d|yesterday|2026-11-30]",
        "search prompts, replies, tags and recipe names; up to 10 hits, best first, privately",
    ),
    (
        "/dailies tag <a17 | link> name … | -name",
        "tag an image (or More… → Tag…); `-name` removes; the id is on each image's line",
    ),
    (
        "/dailies show <a17 | link>",
        "repost an image here with all its settings and lineage; Reproduce exactly (bytes "
        "compared) or start a new thread from it",
    ),
    (
        "/dailies export <thread link | a17 | tag:NAME | approved since 7d>",
        "a zip for the next tool: full-resolution files with their PNG metadata, clips, "
        "lineage.json, manifest.csv and a contact sheet (also the Export button on FINALs)",
    ),
    (
        "/dailies queue | queue cancel mine",
        "every running and queued job with its position and ETA / cancel all your queued jobs",
    ),
    (
        "Usable / Reject (buttons on every image)",
        "mark an image usable or rejected (then pick a reason if you like); one mark per"
        " person, click again to take it back",
    ),
    (
        "/dailies stats [#channel | all] [7d | 30d | since YYYY-MM-DD] [by user|recipe|anchor|"
        "model|tier]",
        "useful yield, waste-to-asset ratio, device seconds (and cost) per usable asset,"
        " QC-flag precision, with a chart",
    ),
    ("/dailies models [NAME | default]", "this channel's model family; alone, lists them"),
    ("/dailies lora [NAME[:W] | none]", "this channel's default LoRA; alone, lists them"),
]


def _chunks(head: str, lines: list[str]) -> list[str]:
    """Lines grouped into sections under 3000 characters (the commands list keeps growing)."""
    parts: list[str] = [head]
    for line in lines:
        if len(parts[-1]) + 1 + len(line) > MAX_SECTION:
            parts.append(line)
        else:
            parts[-1] += "\n" + line
    return parts


def help_message() -> Message:
    """Every command and flag, one section each (so a growing list never hits the 3000-char
    section limit and gets cut)."""
    commands = "\n".join(f"• `{syntax}` — {what}" for syntax, what in COMMANDS)
    flags = "\n".join(f"• `{flag}` — {what}" for flag, what in FLAG_HELP.items())
    intro = "*dailies* — drafts, review and finals in your threads."
    text = f"{intro}\n\n*Commands*\n{commands}\n\n*Flags*\n{flags}"
    sections = [intro, *_chunks("*Commands*", commands.split("\n")), f"*Flags*\n{flags}"]
    return text, render(
        [
            SectionBlock(
                text=MarkdownTextObject(text=truncate(part, MAX_SECTION)), block_id=f"help_{i}"
            )
            for i, part in enumerate(sections)
        ]
    )
