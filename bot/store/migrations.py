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
def m002_brand_consistency(db: Database) -> None:
    """Style anchors, recipes and channel palettes; assets record the anchor and recipe used."""
    db["anchors"].create(
        {
            "id": int,
            "team_id": str,
            "name": str,  # unique per workspace, lower case
            "asset_id": int,  # the image whose style is followed
            "channel_id": str,  # where it was locked
            "thread_ts": str,
            "scale": float,  # IP-Adapter scale, 0-1
            "created_by": str,
            "created_at": float,
        },
        pk="id",
        foreign_keys=[("asset_id", "assets", "id")],
        not_null={"name", "asset_id", "scale"},
    )
    db["anchors"].create_index(["team_id", "name"], unique=True)
    # Which anchor a scope follows: a channel (thread_ts "") or a thread (beats its channel).
    # anchor_id NULL on a thread: that thread follows no anchor, whatever its channel says.
    db["anchor_scopes"].create(
        {"channel_id": str, "thread_ts": str, "anchor_id": int, "set_by": str, "set_at": float},
        pk=("channel_id", "thread_ts"),
        foreign_keys=[("anchor_id", "anchors", "id")],
    )
    db["recipes"].create(
        {
            "id": int,
            "team_id": str,
            "name": str,  # unique per workspace, lower case
            "channel_id": str,  # where it was made
            "created_by": str,
            "template": str,  # the prompt with {slots}
            "negative_prompt": str,
            "aspect": str,
            "tier": str,
            "steps": int,
            "anchor_id": int,
            "seed": int,  # NULL: a random seed each run
            "source_asset_id": int,
            "created_at": float,
            "deleted_at": float,  # kept, not removed: assets made from it still point at it
        },
        pk="id",
        foreign_keys=[("anchor_id", "anchors", "id"), ("source_asset_id", "assets", "id")],
        not_null={"name", "template", "tier"},
    )
    db.execute(
        "CREATE UNIQUE INDEX idx_recipes_live_name ON recipes (team_id, name) "
        "WHERE deleted_at IS NULL"
    )
    db["palettes"].create(
        {"channel_id": str, "team_id": str, "colors": str, "set_by": str, "set_at": float},
        pk="channel_id",
        not_null={"colors"},
    )
    db["assets"].add_column("anchor_id", int, fk="anchors", fk_col="id")
    db["assets"].add_column("anchor_scale", float)
    db["assets"].add_column("recipe_id", int, fk="recipes", fk_col="id")


@migrations()
def m003_video_clips(db: Database) -> None:
    """Clips are assets too (media_type video/mp4). The facts people filter and sort by get
    columns; the rest of a clip's recipe (motion bucket, chunk seeds, the clip it extends, its
    poster and seam frames) is JSON in ``video``, read only to remake or continue the clip."""
    assets = db["assets"]
    assets.add_column("frames", int)
    assets.add_column("fps", float)
    assets.add_column("motion", int)
    assets.add_column("duration_s", float)
    assets.add_column("video", str)


@migrations()
def m004_edit_previews(db: Database) -> None:
    # The numbered-grid preview of the "Edit region" modal, uploaded once per image.
    db["edit_previews"].create(
        {"asset_id": int, "slack_file_id": str, "channel_id": str, "created_at": float},
        pk="asset_id",
        foreign_keys=[("asset_id", "assets", "id")],
    )


@migrations()
def m005_review(db: Database) -> None:
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
        {
            "channel_id": str,
            "ts": str,
            "job_id": int,
            "kind": str,
            # JSON: the lines features added under the results when posted (palette, anchor…),
            # kept so a re-render for votes shows them unchanged without recomputing them.
            "extra_blocks": str,
            "created_at": float,
        },
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


@migrations()
def m006_jobs_reported(db: Database) -> None:
    """When a finished job's outcome was shown to the person who asked. A job that finished but
    was never shown (the bot stopped in between) is shown at the next start; jobs finished before
    this column existed count as shown."""
    db["jobs"].add_column("reported_at", float)
    db.execute("UPDATE jobs SET reported_at = finished_at WHERE finished_at IS NOT NULL")


@migrations()
def m009_claim_index(db: Database) -> None:
    """An index for the fair-share claim: each queued person's latest start (``MAX(started_at)``
    per user) becomes an index seek instead of a scan of every job ever run; and which decoder
    made each image (None: the family's full VAE; else e.g. madebyollin/taesdxl)."""
    db["jobs"].create_index(["user_id", "started_at"], if_not_exists=True)
    db["assets"].add_column("decoder", str)


@migrations()
def m008_quality(db: Database) -> None:
    """Useful yield and its cost: the device seconds each asset took and on what device, the
    people's QC marks (one per person per asset) and the automatic QC flags raised when its job's
    results were first shown (every flag kept, so its precision against the marks can be
    measured)."""
    db["assets"].add_column("device_s", float)
    db["assets"].add_column("device_kind", str)
    db["assets"].add_column("qc_checked_at", float)
    db["qc_marks"].create(
        {
            "asset_id": int,
            "user_id": str,
            "mark": str,  # usable or reject
            "reason": str,  # a reject's reason (bot.quality.marks.REASONS), or NULL
            "created_at": float,
            "updated_at": float,
        },
        pk=("asset_id", "user_id"),
        foreign_keys=[("asset_id", "assets", "id")],
        not_null={"mark", "created_at"},
    )
    db["qc_flags"].create(
        {
            "asset_id": int,
            "flag": str,  # near_duplicate, flat, clipped_highlights, clipped_shadows, off_palette
            "value": float,  # what was measured
            "threshold": float,  # the setting it was compared with
            "detail": str,  # e.g. the sibling variant it duplicates
            "created_at": float,
        },
        pk=("asset_id", "flag"),
        foreign_keys=[("asset_id", "assets", "id")],
    )
    # "promoted" in stats: is there a final made from this asset?
    db["assets"].create_index(["parent_id"], if_not_exists=True)


@migrations()
def m013_ray_workers(db: Database) -> None:
    """How many times a worker process died under a job (Ray engine): retried once, then failed,
    so one job that kills its worker cannot take the pool down again and again."""
    db["jobs"].add_column("worker_losses", int, not_null_default=0)


@migrations()
def m010_models(db: Database) -> None:
    """What made each asset when families are configured: the family, the LoRAs (JSON, with
    weights), whether the bytes can be made again from the seed (hosted models: no) and the
    request a hosted model was sent (JSON, no key). Per channel: its model family and default
    LoRAs, NULL meaning the bot's default family and no LoRA. Per recipe: its LoRAs (the
    `--lora` text, taken from the variant it was saved from)."""
    db["assets"].add_column("family", str)
    db["assets"].add_column("loras", str)
    db["assets"].add_column("reproducible", int, not_null_default=1)
    db["assets"].add_column("hosted_request", str)
    db["channel_settings"].add_column("models", str)
    db["channel_settings"].add_column("loras", str)
    db["recipes"].add_column("loras", str)


@migrations()
def m012_delivery(db: Database) -> None:
    """Every Slack side effect of a job as a row written before the call and marked done after
    it, so a retry after a crash finds what was already done instead of doing it twice; how often
    a job was resumed (a job that stopped the worker twice is failed, not run a third time); and
    when an unposted job's results are next tried again."""
    db["slack_effects"].create(
        {
            "job_id": int,
            "step": str,  # status, upload:<asset id>, variants, …
            "state": str,  # pending (the call may or may not have happened) or done
            "channel_id": str,
            "ts": str,  # the message the step posted
            "file_id": str,  # the file the step uploaded
            "updated_at": float,
        },
        pk=("job_id", "step"),
        not_null={"job_id", "step", "state"},
    )
    db["jobs"].add_column("resumes", int, not_null_default=0)
    db["jobs"].add_column("delivery_attempts", int, not_null_default=0)
    db["jobs"].add_column("delivery_next_at", float)


# Later rooms keep their migrations in modules of their own, registered on the same object.
import bot.store.migrations_library  # noqa: E402, F401
