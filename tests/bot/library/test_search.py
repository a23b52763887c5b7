"""The search index and query language: what people remember finds the asset."""

from __future__ import annotations

import json
import time

import pytest

from bot.library.search import FindError, parse_query, parse_since, search
from bot.library.tags import change_tags, parse_tags
from bot.store.database import Store


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "dailies.db")


def add(store, prompt, *, change=None, recipe=None, user="U1", channel="C1", approved=0):
    with store.write() as db:
        recipe_id = None
        if recipe:
            recipe_id = (
                db["recipes"]
                .insert({"name": recipe, "template": "x {a}", "tier": "draft", "team_id": "T1"})
                .last_pk
            )
        params = {"prompt": prompt, **({"change": change} if change else {})}
        job_id = (
            db["jobs"]
            .insert(
                {
                    "kind": "draft",
                    "status": "done",
                    "params": json.dumps(params),
                    "created_at": time.time(),
                }
            )
            .last_pk
        )
        return (
            db["assets"]
            .insert(
                {
                    "sha256": f"{job_id:064x}",
                    "path": f"p/{job_id}.png",
                    "job_id": job_id,
                    "variant": 1,
                    "seed": job_id,
                    "width": 64,
                    "height": 64,
                    "prompt": prompt,
                    "user_id": user,
                    "channel_id": channel,
                    "recipe_id": recipe_id,
                    "approved": approved,
                    "created_at": time.time(),
                }
            )
            .last_pk
        )


def found(store, text, channels=None):
    return [a["prompt"] for a in search(store, parse_query(text, me="U1"), channels)]


def test_prompts_replies_recipe_names_and_tags_are_all_searchable(store):
    add(store, "a harbour at night, make it foggy", change="make it foggy")
    add(store, "a red sneaker", recipe="hero-shoe")
    third = add(store, "a plain vase")
    assert found(store, "foggy") == ["a harbour at night, make it foggy"]
    assert found(store, "hero shoe") == ["a red sneaker"], "the recipe's name"
    assert found(store, "launch") == []
    from bot.store.assets import get_asset

    change_tags(store, get_asset(store, third), ["q3-launch", "hero"], [])
    assert found(store, "launch") == ["a plain vase"]
    assert found(store, "tag:q3-launch") == ["a plain vase"]
    change_tags(store, get_asset(store, third), [], ["q3-launch"])
    assert found(store, "tag:q3-launch") == [] and found(store, "tag:hero") == ["a plain vase"]


def test_the_exact_prompt_ranks_first_and_fts_syntax_is_just_words(store):
    add(store, "teapot teapot teapot on a teapot shelf")
    add(store, "a teapot")
    assert found(store, "a teapot")[0] == "a teapot"
    for tricky in ('teapot"', "teapot OR", "NOT teapot", "teapot:", "tea-pot*", "(teapot"):
        found(store, tricky)  # never an FTS5 syntax error
    assert found(store, "teapot NOT")[0:1] == [], "NOT is a word every hit must contain"


def test_channels_people_and_marks_narrow_the_hits(store):
    add(store, "a lantern", channel="C1", user="U1")
    add(store, "a lantern in the dark", channel="G9", user="U2", approved=1)
    assert found(store, "lantern", channels=["C1"]) == ["a lantern"]
    assert found(store, "lantern", channels=[]) == []
    assert found(store, "lantern by <@U2|bea>") == ["a lantern in the dark"]
    assert found(store, "lantern by me") == ["a lantern"]
    assert found(store, "lantern approved") == ["a lantern in the dark"]
    assert found(store, "in <#G9|secret>") == ["a lantern in the dark"]


def test_bad_filters_say_what_to_type():
    with pytest.raises(FindError, match="since tuesday"):
        parse_query("x since tuesday")
    with pytest.raises(FindError, match="pick them from Slack's @ list"):
        parse_query("x by @carol")
    with pytest.raises(FindError, match="not a tag name"):
        parse_tags("ok b@d")
    now = 1_800_000_000.0
    assert parse_since("3h", now) == now - 3 * 3600
    assert parse_since("2d", now) == now - 2 * 86400
    assert parse_since("yesterday", now) < now - 86400 < parse_since("today", now)
