"""Recipes end to end: save from a variant through the modal, run with slots, list/show/delete."""

from __future__ import annotations

import pytest

from bot.brand import recipes
from bot.jobs import rows as jobs
from bot.jobs.draft_options import ASPECTS
from tests.handlers.brand_helpers import SpyRunner, assets_of_job, choose, draft
from tests.handlers.conftest import start_bot


@pytest.fixture
def spy_bot(tmp_path, slack, tiny_runner):
    spy = SpyRunner(tiny_runner)
    bot = start_bot(tmp_path, slack, lambda device: spy)
    bot.spy = spy
    yield bot
    bot.stop()


def form(name="hero", template="a {product} on {setting}, studio light", seed="fixed", steps="3"):
    return {
        "name": {"name": {"type": "plain_text_input", "value": name}},
        "template": {"template": {"type": "plain_text_input", "value": template}},
        "negative": {"negative": {"type": "plain_text_input", "value": "text, logo"}},
        "aspect": {"aspect": {"type": "static_select", "selected_option": {"value": "4:5"}}},
        "tier": {"tier": {"type": "static_select", "selected_option": {"value": "draft"}}},
        "steps": {"steps": {"type": "plain_text_input", "value": steps}},
        "anchor": {"anchor": {"type": "static_select", "selected_option": {"value": "none"}}},
        "seed": {"seed": {"type": "radio_buttons", "selected_option": {"value": seed}}},
    }


def open_form(bot, results, asset_id):
    choose(bot, results, asset_id, "save_recipe")
    return bot.slack.wait_for(lambda: bot.slack.views[-1] if bot.slack.views else None)


def test_save_from_a_variant_then_draft_with_slots(spy_bot):
    bot = spy_bot
    results = draft(bot, "a red sneaker on wet marble --n 1 --seed 77 --ar 4:5", 0)
    source = assets_of_job(bot, 1)[0]
    opened = open_form(bot, results, source["id"])
    view = opened["view"]
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["template"]["initial_value"] == "a red sneaker on wet marble"
    assert inputs["aspect"]["initial_option"]["value"] == "4:5"
    assert "Always seed 77" in str(inputs["seed"]["options"])

    bad = bot.sender.view_submission(
        "recipe_save", form(name="no good!", template="a {product"), "U1"
    ).json()
    assert bad["response_action"] == "errors"
    assert "not a usable recipe name" in bad["errors"]["name"]
    assert "braces" in bad["errors"]["template"]
    assert bot.runtime.store.db["recipes"].count == 0

    sent = bot.sender.view_submission("recipe_save", form(), "U1")
    assert sent.status == 200 and not sent.body
    saved = bot.slack.wait_for(
        lambda: next((e for e in bot.slack.ephemerals if "Saved recipe" in e["text"]), None)
    )
    assert 'product="…" setting="…"' in saved["text"]
    recipe = next(bot.runtime.store.db["recipes"].rows)
    assert (recipe["team_id"], recipe["channel_id"], recipe["seed"]) == ("T1", "C1", 77)

    draft(bot, '--recipe hero product="blue sneaker" setting=“a beach” --n 2', 1)
    request = bot.spy.requests[-1]
    assert request.prompt == "a blue sneaker on a beach, studio light"
    assert request.negative_prompt == "text, logo" and request.steps == 3
    assert request.width < request.height, "the recipe's 4:5"
    assert request.seeds == (77, 78), "the recipe's fixed seed"
    made = assets_of_job(bot, 2)
    assert [a["recipe_id"] for a in made] == [recipe["id"]] * 2

    # The person's own flags beat the recipe's.
    draft(bot, "--recipe hero product=kite setting=sky --ar 16:9 --seed 5 --n 1", 2)
    request = bot.spy.requests[-1]
    assert request.width > request.height and request.seeds == (5,)

    # Missing slot, unknown slot, unknown recipe: say what is needed, queue nothing.
    count = bot.runtime.store.db["jobs"].count
    body = bot.sender.command("/draft", '--recipe hero product="red sneaker"').json()
    assert "needs `{setting}`" in body["text"] and 'setting="…"' in body["text"]
    body = bot.sender.command("/draft", "--recipe hero product=a setting=b colour=c").json()
    assert "has no slot `{colour}`" in body["text"]
    body = bot.sender.command("/draft", "--recipe villain product=x").json()
    assert "no recipe called `villain`" in body["text"] and "Known recipes: `hero`" in body["text"]
    assert bot.runtime.store.db["jobs"].count == count

    listed = bot.sender.command("/dailies", "recipe list").json()["text"]
    assert "`hero`" in listed and "slots: product, setting" in listed and "seed 77" in listed
    shown = bot.sender.command("/dailies", "recipe show hero").json()["text"]
    assert "Negative: text, logo" in shown and "/draft --recipe hero" in shown

    refused = bot.sender.command("/dailies", "recipe delete hero", user_id="U2").json()["text"]
    assert "Only <@U1> can delete" in refused
    bot.sender.command("/dailies", "approvers <@U3>")
    refused = bot.sender.command("/dailies", "recipe delete hero", user_id="U2").json()["text"]
    assert "Only <@U1>, <@U3> can delete" in refused, "the channel's approvers may delete too"
    done = bot.sender.command("/dailies", "recipe delete hero", user_id="U3").json()["text"]
    assert "Deleted recipe `hero`" in done
    assert jobs.get_job(bot.runtime.store, 2).params["recipe_id"] == recipe["id"]
    assert assets_of_job(bot, 2)[0]["recipe_id"] == recipe["id"], "lineage survives deletion"
    body = bot.sender.command("/draft", "--recipe hero product=a setting=b").json()
    assert "no recipe called `hero`" in body["text"]


def test_recipe_save_command_opens_the_form_for_the_latest_draft(spy_bot):
    bot = spy_bot
    body = bot.sender.command("/dailies", "recipe save first").json()
    assert "no draft in this channel yet" in body["text"]
    draft(bot, "a paper lantern --n 1", 0)
    body = bot.sender.command("/dailies", "recipe save lantern").json()
    assert "Opening the recipe form for `lantern`" in body["text"]
    view = bot.slack.views[-1]["view"]
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["name"]["initial_value"] == "lantern"
    assert inputs["template"]["initial_value"] == "a paper lantern"
    bot.sender.view_submission(
        "recipe_save",
        form(name="lantern", template="a paper {thing}", seed="random", steps=""),
        "U1",
    )
    bot.slack.wait_for(lambda: any("Saved recipe" in e["text"] for e in bot.slack.ephemerals))
    draft(bot, "--recipe lantern thing=crane --n 1", 1)
    assert bot.spy.requests[-1].prompt == "a paper crane"
    assert bot.spy.requests[-1].steps == 2, "empty steps: the tier's default"


def test_slot_values_after_flags_and_dashes_reach_the_model_as_typed(spy_bot):
    bot = spy_bot
    recipes.save(
        bot.runtime.store,
        {
            "team_id": "T1",
            "name": "tee",
            "channel_id": "C1",
            "created_by": "U1",
            "template": "a {product} on {setting} —no logo, a bold look – studio light",
            "negative_prompt": "",
            "aspect": "4:5",
            "tier": "draft",
            "steps": 2,
            "anchor_id": None,
            "seed": None,
            "source_asset_id": None,
        },
    )
    text = '--recipe tee --ar 16:9 --n 1 product="t-shirt --limited" setting="sand —ar 2:3"'
    draft(bot, text, 0)
    expected = "a t-shirt --limited on sand —ar 2:3 —no logo, a bold look – studio light"
    request = bot.spy.requests[-1]
    assert request.prompt == expected and request.negative_prompt == ""
    assert request.width > request.height, "the person's --ar 16:9, typed before the slots"
    assert expected in bot.root_messages()[0]["blocks"][0]["text"]["text"]


def test_save_as_recipe_from_a_vary_offers_the_nearest_aspect_and_says_so(
    tmp_path, slack, tiny_runner
):
    # At a 256 px draft side, 16:9 renders at 320×192; a Vary of it records its own pixel ratio.
    bot = start_bot(tmp_path, slack, lambda device: tiny_runner, draft_side=256)
    try:
        results = draft(bot, "a kite over dunes --n 1 --seed 3 --ar 16:9 --steps 2", 0)
        source = assets_of_job(bot, 1)[0]
        assert (source["width"], source["height"]) == (320, 192)
        aspect = aspect_input(open_form(bot, results, source["id"])["view"])
        assert aspect["element"]["initial_option"]["value"] == "16:9" and "hint" not in aspect

        choose(bot, results, source["id"], "vary_subtle")
        varied = bot.wait_for_variants("C1", results["thread_ts"], count=2)[1]
        made = assets_of_job(bot, 2)[0]
        assert jobs.get_job(bot.runtime.store, 2).params["aspect"] not in ASPECTS
        size = f"{made['width']}×{made['height']}"
        before = len(bot.slack.views)
        choose(bot, varied, made["id"], "save_recipe")
        view = bot.slack.wait_for(lambda: bot.slack.views[before:] or None)[0]["view"]
        aspect = aspect_input(view)
        assert aspect["element"]["initial_option"]["value"] == "16:9", "not a silent 1:1"
        assert f"This image is {size}" in aspect["hint"]["text"]
        assert "16:9 is the nearest" in aspect["hint"]["text"]
    finally:
        bot.stop()


def aspect_input(view):
    return next(b for b in view["blocks"] if b.get("block_id") == "aspect")
