"""What each job kind is called in messages, in one table for every kind the bot runs."""

from __future__ import annotations

from bot.jobs.rows import Job

KIND_LABEL = {
    "draft": "Draft",
    "final": "Final render",
    "vary": "Variation",
    "edit": "Region edit",
    "resize": "Resize to formats",
    "upscale": "Upscale",
    "palette_snap": "Snapped to palette",
    "animate": "Test clips",
    "animate_hd": "HD clip",
    "animate_extend": "Extend",
    "reproduce": "Reproduction",
}

# Kinds whose results have no Re-roll (new seeds would change nothing).
NOT_REROLLABLE = frozenset({"palette_snap", "reproduce"})


def kind_label(kind: str) -> str:
    return KIND_LABEL.get(kind, kind.capitalize())


def job_label(job: Job) -> str:
    """The kind, and for drafts the iteration of their thread (v1, v2, …)."""
    label = kind_label(job.kind)
    if job.kind == "draft":
        label += f" v{job.params.get('iteration') or 1}"
    return label
