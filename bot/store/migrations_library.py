"""Schema of the library (find, tags): a search table kept by triggers and its FTS5 index.

Why a table of its own: what a person remembers about an image is spread over rows — the prompt
(on the asset), the reply that made the iteration (the job's ``change``), the recipe's name and
the tags put on it later. ``asset_search`` gathers them into one row per asset, maintained by
triggers on ``assets``, and sqlite-utils' ``enable_fts`` keeps an FTS5 index over it with its own
triggers, so nothing that saves an asset has to know that search exists.
"""

from __future__ import annotations

from sqlite_utils import Database

from bot.store.migrations import migrations

SEARCH_COLUMNS = ["prompt", "change", "recipe", "tags"]

_ROW_SQL = """
    SELECT a.id, a.prompt,
           (SELECT json_extract(j.params, '$.change') FROM jobs j WHERE j.id = a.job_id),
           (SELECT r.name FROM recipes r WHERE r.id = a.recipe_id),
           a.tags
    FROM assets a
"""


@migrations()
def m007_library(db: Database) -> None:
    """Tags on assets (space-separated, lower case: they are shown on the variant's line and
    filtered with ``tag:NAME``) and the full-text search over what people remember."""
    db["assets"].add_column("tags", str, not_null_default="")
    db["asset_search"].create(
        {"asset_id": int, "prompt": str, "change": str, "recipe": str, "tags": str},
        pk="asset_id",
    )
    db.execute(f"INSERT INTO asset_search {_ROW_SQL}")
    db.executescript(
        f"""
        CREATE TRIGGER assets_search_ai AFTER INSERT ON assets BEGIN
          INSERT INTO asset_search {_ROW_SQL} WHERE a.id = new.id;
        END;
        CREATE TRIGGER assets_search_au AFTER UPDATE OF prompt, tags, recipe_id ON assets BEGIN
          UPDATE asset_search SET prompt = new.prompt, tags = new.tags,
            recipe = (SELECT r.name FROM recipes r WHERE r.id = new.recipe_id)
          WHERE asset_id = new.id;
        END;
        CREATE TRIGGER assets_search_ad AFTER DELETE ON assets BEGIN
          DELETE FROM asset_search WHERE asset_id = old.id;
        END;
        """
    )
    db["asset_search"].enable_fts(SEARCH_COLUMNS, create_triggers=True, tokenize="porter")
    db["assets"].create_index(["created_at"])
    db["assets"].create_index(["approved", "approved_at"])


@migrations()
def m014_exports(db: Database) -> None:
    """One row per asset a person chose to hand off in an export package (its ancestors ride
    along for lineage and are not counted): being exported is a usable signal in stats."""
    db["exports"].create(
        {
            "id": int,
            "asset_id": int,
            "user_id": str,
            "channel_id": str,
            "source": str,  # slack or cli
            "package": str,  # the zip's file name
            "created_at": float,
        },
        pk="id",
        foreign_keys=[("asset_id", "assets", "id")],
    )
    db["exports"].create_index(["asset_id"])
