"""Schema of the bot's SQLite database, as sqlite-utils migrations applied at start-up.

Later features add migrations at the end of this list; never edit one that has shipped.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("dailies")


@migrations()
def m001_jobs_and_assets(db: Database) -> None:
    db["jobs"].create(
        {
            "id": int,
            "kind": str,  # draft, final, ...
            "status": str,  # queued, running, done, failed, cancelled
            "params": str,  # JSON: everything the runner needs to redo the job
            "source": str,  # slack or cli
            "user_id": str,
            "channel_id": str,
            "thread_ts": str,  # the thread the results go to (the root message's ts)
            "message_ts": str,  # the message that shows this job's status and progress
            "priority": int,
            "parent_job_id": int,
            "attempt": int,
            "cancel_requested": int,
            "cancelled_by": str,
            "error": str,
            "created_at": float,
            "started_at": float,
            "finished_at": float,
        },
        pk="id",
        defaults={"priority": 0, "attempt": 1, "cancel_requested": 0, "source": "slack"},
        not_null={"kind", "status", "params", "created_at"},
    )
    db["jobs"].create_index(["status", "priority", "created_at"])
    db["jobs"].create_index(["channel_id", "thread_ts"])
    db["assets"].create(
        {
            "id": int,
            "sha256": str,
            "path": str,  # relative to the assets folder
            "media_type": str,
            "job_id": int,
            "variant": int,  # 1..N within its job
            "parent_id": int,
            "tier": str,
            "model_id": str,
            "scheduler": str,
            "prompt": str,
            "negative_prompt": str,
            "seed": int,
            "width": int,
            "height": int,
            "steps": int,
            "guidance": float,
            "strength": float,
            "user_id": str,
            "channel_id": str,
            "thread_ts": str,
            "slack_file_id": str,
            "created_at": float,
        },
        pk="id",
        foreign_keys=[("job_id", "jobs", "id"), ("parent_id", "assets", "id")],
        not_null={"sha256", "path", "job_id", "seed", "width", "height"},
    )
    db["assets"].create_index(["job_id", "variant"], unique=True)
    db["assets"].create_index(["channel_id", "thread_ts"])
    # Interactions already handled, so a redelivered click or event never acts twice.
    db["deliveries"].create({"key": str, "seen_at": float}, pk="key")


@migrations()
def m002_review(db: Database) -> None:
    """Votes, where each variants message lives, channel review settings, approved finals."""
    db["votes"].create(
        {
            "id": int,
            "asset_id": int,
            "user_id": str,
            "source": str,  # button or reaction: how the vote was cast
            "reaction": str,  # the emoji name when cast by reaction
            "created_at": float,
        },
        pk="id",
        foreign_keys=[("asset_id", "assets", "id")],
        not_null={"asset_id", "user_id", "source", "created_at"},
    )
    # One vote per person per variant, however it was cast.
    db["votes"].create_index(["asset_id", "user_id"], unique=True)
    # Messages the bot posted for a job (its variants), so votes can update them and reactions
    # on them can be mapped back to variants.
    db["posted_messages"].create(
        {"channel_id": str, "ts": str, "job_id": int, "kind": str, "created_at": float},
        pk=("channel_id", "ts"),
        foreign_keys=[("job_id", "jobs", "id")],
        not_null={"job_id", "kind"},
    )
    db["posted_messages"].create_index(["job_id"])
    db["channel_settings"].create(
        {
            "channel_id": str,
            "approvers": str,  # JSON list of user ids; NULL means anyone may promote
            "finals_first": int,
            "updated_by": str,
            "updated_at": float,
        },
        pk="channel_id",
        defaults={"finals_first": 0},
    )
    db["assets"].add_column("approved", int, not_null_default=0)
    db["assets"].add_column("approved_by", str)
    db["assets"].add_column("approved_at", float)
