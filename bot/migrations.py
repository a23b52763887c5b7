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
def m004_edit_previews(db: Database) -> None:
    # The numbered-grid preview of the "Edit region" modal, uploaded once per image.
    db["edit_previews"].create(
        {"asset_id": int, "slack_file_id": str, "channel_id": str, "created_at": float},
        pk="asset_id",
        foreign_keys=[("asset_id", "assets", "id")],
    )
