"""Families, LoRAs and a hosted final through Slack: /dailies models and lora, --lora on /draft,
and a mixed family (tiny drafts, Nano Banana Pro finals) running a whole thread."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from bot.jobs import rows as jobs
from bot.jobs.family_runners import FamilyRunners
from bot.media.png_params import CHUNK
from models.backends import HostedOptions
from models.families import family_registry
from models.runner import ModelRunner
from models.tiny_lora import write_tiny_lora
from tests.gemini_imitation import GeminiImitation
from tests.handlers.conftest import start_bot
from tests.handlers.review_helpers import click, start_draft

KEY = "k-families"
FAMILIES = {
    "mixed": {
        "description": "tiny drafts, Nano Banana Pro finals",
        "loader": "tiny",
        "extras": "tiny",
        "tiers": {
            "draft": {
                "backend": "diffusers",
                "model": "dailies/tiny-sdxl-draft",
                "native_side": 128,
                "default_steps": 2,
                "max_steps": 8,
                "guidance": 0.0,
                "strength": 0.5,
            },
            "final": {"backend": "gemini", "model": "gemini-3-pro-image-preview"},
        },
    }
}


@pytest.fixture
def gemini():
    with GeminiImitation(api_key=KEY) as imitation:
        yield imitation


@pytest.fixture
def family_bot(tmp_path, slack, tiny_runner, gemini):
    lora = write_tiny_lora(tmp_path / "loras")
    loras = {"brand": {"file": str(lora), "weight": 0.8, "trigger": "bx style"}}
    hosted = HostedOptions(
        gemini_api_key=KEY, gemini_base_url=gemini.base_url, retries=1, retry_delay_s=0.05
    )
    registry = family_registry(FAMILIES)

    def runners(device):
        return FamilyRunners(
            registry,
            "tiny",
            lambda family: ModelRunner(family, device="cpu", hosted=hosted),
            ready={"tiny": tiny_runner},
        )

    bot = start_bot(
        tmp_path,
        slack,
        runners,
        families=FAMILIES,
        loras=loras,
        gemini_api_key=KEY,
        gemini_base_url=gemini.base_url,
    )
    yield bot
    bot.stop()


def png_text(bot, message) -> str:
    file_id = next(b for b in message["blocks"] if b["type"] == "image")["slack_file"]["id"]
    with Image.open(io.BytesIO(bot.slack.files[file_id]["bytes"])) as png:
        return png.text[CHUNK]


def test_a_lora_on_draft_is_applied_recorded_and_shown(family_bot):
    bot = family_bot
    _, plain = start_draft(bot, "a red fox --n 1 --seed 4")
    _, styled = start_draft(bot, "a red fox --n 1 --seed 4 --lora brand:0.6")
    rows = list(bot.runtime.store.db["assets"].rows_where(order_by="id"))
    assert rows[0]["loras"] is None and json.loads(rows[1]["loras"]) == [
        {"name": "brand", "weight": 0.6}
    ]
    assert rows[1]["prompt"] == "a red fox, bx style", "the trigger words are added"
    assert rows[1]["family"] == "tiny"
    text = png_text(bot, styled)
    assert text.splitlines()[0] == "a red fox, bx style <lora:brand:0.6>"
    assert ":jigsaw: LoRA `brand` 0.6" in str(styled["blocks"])
    assert ":jigsaw:" not in str(plain["blocks"])
    assert rows[0]["sha256"] != rows[1]["sha256"]

    answer = bot.sender.command("/draft", "a red fox --lora logo").json()
    assert "Unknown LoRA `logo`; known LoRAs: brand." in answer["text"]
    assert bot.runtime.store.db["jobs"].count == 2, "nothing queued"


def test_a_channel_default_lora_and_who_may_change_it(family_bot):
    bot = family_bot
    listing = bot.sender.command("/dailies", "lora").json()["text"]
    assert "default LoRA: none" in listing and "`brand` (0.8, adds “bx style”)" in listing
    answer = bot.sender.command("/dailies", "lora brand").json()["text"]
    assert "New drafts in this channel apply `brand:0.8`" in answer
    start_draft(bot, "a blue kettle --n 1 --seed 2")
    start_draft(bot, "a blue kettle --n 1 --seed 2 --lora none")
    rows = list(bot.runtime.store.db["assets"].rows_where(order_by="id"))
    assert json.loads(rows[0]["loras"]) == [{"name": "brand", "weight": 0.8}]
    assert rows[1]["loras"] is None, "--lora none drops the channel's default for one command"

    bot.sender.command("/dailies", "approvers <@U2>", user_id="U2")
    refused = bot.sender.command("/dailies", "lora none", user_id="U1").json()["text"]
    assert "Only this channel's approvers (<@U2>) can change its default LoRA" in refused
    refused = bot.sender.command("/dailies", "models mixed", user_id="U1").json()["text"]
    assert "can change its model family" in refused


def test_a_mixed_family_runs_a_whole_thread_with_a_hosted_final(family_bot, gemini):
    bot = family_bot
    listing = bot.sender.command("/dailies", "models").json()["text"]
    assert "This channel drafts with `tiny`" in listing
    assert (
        "`mixed` — draft: dailies/tiny-sdxl-draft; final: gemini-3-pro-image-preview (gemini)"
        in listing
    )
    assert (
        "There is no model family `flux`"
        in bot.sender.command("/dailies", "models flux").json()["text"]
    )
    answer = bot.sender.command("/dailies", "models mixed").json()["text"]
    assert "New drafts in this channel use `mixed`" in answer

    root, shown = start_draft(bot, "a green lamp --n 2 --seed 30")
    draft_rows = list(bot.runtime.store.db["assets"].rows_where("job_id = 1"))
    assert {r["family"] for r in draft_rows} == {"mixed"}
    assert {r["reproducible"] for r in draft_rows} == {1}
    assert gemini.requests == [], "drafts ran locally"

    click(bot, shown, "promote", 2, "U1")
    final = bot.slack.wait_for(
        lambda: next(
            (m for m in bot.bot_replies("C1", root["ts"]) if "final_image" in str(m.get("blocks"))),
            None,
        ),
        timeout=60,
    )
    assert "`dailies/tiny-sdxl-draft` → `gemini-3-pro-image-preview`" in str(final["blocks"])
    assert "will not give these pixels again" in str(final["blocks"])
    sent = gemini.requests[0]
    assert sent.model == "gemini-3-pro-image-preview" and len(sent.images) == 1
    made = next(bot.runtime.store.db["assets"].rows_where("tier = 'final'"))
    assert (made["family"], made["reproducible"], made["seed"]) == ("mixed", 0, 31)
    request = json.loads(made["hosted_request"])
    assert request["model"] == "gemini-3-pro-image-preview" and request["input_image"] is True
    assert KEY not in made["hosted_request"]
    assert "Reproducible: no (hosted model)" in png_text(bot, final)


def test_a_safety_block_on_the_hosted_final_fails_in_one_line_with_retry(family_bot, gemini):
    bot = family_bot
    bot.sender.command("/dailies", "models mixed")
    root, shown = start_draft(bot, "a forbidden door --n 1 --seed 3")
    click(bot, shown, "promote", 1, "U1")
    said = "Gemini blocked this prompt (PROHIBITED_CONTENT); nothing was saved"
    failure = bot.slack.wait_for(
        lambda: next(
            (m for m in bot.bot_replies("C1", root["ts"]) if said in str(m.get("blocks"))), None
        ),
        timeout=60,
    )
    assert "retry_job" in str(failure["blocks"])
    assert bot.runtime.store.db["assets"].count_where("tier = 'final'") == 0
    assert jobs.get_job(bot.runtime.store, 2).status == jobs.FAILED


def test_a_flux_family_from_folders_runs_draft_iterate_and_promote(tmp_path, slack, tiny_runner):
    from models.tiny_flux import write_tiny_flux

    schnell = write_tiny_flux(tmp_path / "flux-schnell", seed=1)
    dev = write_tiny_flux(tmp_path / "flux-dev", seed=2)
    tier = {"backend": "diffusers", "pipeline": "FluxPipeline", "guidance": 0.0}
    families = {
        "flux": {
            "description": "FLUX.1-schnell drafts, FLUX.1-dev finals (tiny stand-ins)",
            "tiers": {
                "draft": {
                    **tier,
                    "model": str(schnell),
                    "native_side": 128,
                    "default_steps": 2,
                    "max_steps": 4,
                    "strength": 0.5,
                },
                "final": {
                    **tier,
                    "model": str(dev),
                    "native_side": 192,
                    "default_steps": 4,
                    "max_steps": 8,
                    "guidance": 3.5,
                },
            },
        }
    }
    registry = family_registry(families)
    bot = start_bot(
        tmp_path,
        slack,
        lambda device: FamilyRunners(
            registry, "tiny", lambda f: ModelRunner(f, device="cpu"), ready={"tiny": tiny_runner}
        ),
        families=families,
    )
    try:
        assert "use `flux`" in bot.sender.command("/dailies", "models flux").json()["text"]
        root, _ = start_draft(bot, "a paper boat --n 2 --seed 12 --ar 2:3")
        bot.sender.user_message("C1", "U2", "#2 at night --n 1", thread_ts=root["ts"])
        v2 = bot.wait_for_variants("C1", root["ts"], count=2)[1]
        click(bot, v2, "promote", 1, "U1")
        final = bot.slack.wait_for(
            lambda: next(
                (
                    m
                    for m in bot.bot_replies("C1", root["ts"])
                    if "final_image" in str(m.get("blocks"))
                ),
                None,
            ),
            timeout=90,
        )
        assert f"`{schnell}` → `{dev}`" in str(final["blocks"])
        rows = list(bot.runtime.store.db["assets"].rows_where(order_by="id"))
        assert [(r["tier"], r["family"], r["width"], r["height"]) for r in rows[:3]] == [
            ("draft", "flux", 128, 192)
        ] * 3
        assert (rows[3]["tier"], rows[3]["family"]) == ("final", "flux")
        assert rows[3]["model_id"] == str(dev) and rows[3]["parent_id"] == rows[2]["id"]
        assert rows[3]["width"] < rows[3]["height"], "the final keeps the portrait aspect"
    finally:
        bot.stop()


def test_nano_banana_drafts_and_a_reply_iterates_from_the_picked_image(tmp_path, slack, gemini):
    banana = {
        "banana": {
            "description": "Nano Banana drafts, Nano Banana Pro finals",
            "tiers": {
                "draft": {"backend": "gemini", "model": "gemini-2.5-flash-image"},
                "final": {"backend": "gemini", "model": "gemini-3-pro-image-preview"},
            },
        }
    }
    hosted = HostedOptions(gemini_api_key=KEY, gemini_base_url=gemini.base_url)
    registry = family_registry(banana)
    bot = start_bot(
        tmp_path,
        slack,
        lambda device: FamilyRunners(
            registry, "banana", lambda f: ModelRunner(f, device="cpu", hosted=hosted)
        ),
        models="banana",
        families=banana,
        gemini_api_key=KEY,
        gemini_base_url=gemini.base_url,
    )
    try:
        root, shown = start_draft(bot, "a glass teapot --n 2 --seed 5 --ar 4:5")
        assert "will not give these pixels again" in str(shown["blocks"])
        assert [r.config["imageConfig"]["aspectRatio"] for r in gemini.requests] == ["4:5"] * 2
        assert all(r.images == [] for r in gemini.requests), "a draft sends no image"
        bot.sender.user_message("C1", "U2", "#2 with steam", thread_ts=root["ts"])
        bot.wait_for_variants("C1", root["ts"], count=2)
        iteration = gemini.requests[2]
        assert "a glass teapot, with steam" in iteration.text and len(iteration.images) == 1
        picked = next(bot.runtime.store.db["assets"].rows_where("job_id = 1 AND variant = 2"))
        assert iteration.images[0].size == (picked["width"], picked["height"]), "the pick itself"
        rows = list(bot.runtime.store.db["assets"].rows_where("job_id = 2"))
        assert {(r["family"], r["reproducible"], r["parent_id"]) for r in rows} == {
            ("banana", 0, picked["id"])
        }
    finally:
        bot.stop()


def test_a_slow_hosted_final_does_not_hold_up_local_drafts(family_bot, gemini):
    bot = family_bot
    bot.sender.command("/dailies", "models mixed")
    root, shown = start_draft(bot, "a brass key --n 1 --seed 6")
    gemini.stall_next(120)
    click(bot, shown, "promote", 1, "U1")
    bot.slack.wait_for(lambda: gemini.stalled == 1 or None, timeout=30)
    other, _ = start_draft(bot, "a copper bell --n 1 --seed 7")  # runs while the final waits
    final_job = jobs.get_job(bot.runtime.store, 2)
    assert final_job.kind == "final" and final_job.status == jobs.RUNNING
    assert final_job.params["lane"] == "gemini"
    gemini.release()
    bot.slack.wait_for(
        lambda: jobs.get_job(bot.runtime.store, 2).status == jobs.DONE or None, timeout=30
    )
    assert other["ts"] != root["ts"]


def test_a_recipe_saved_from_a_lora_variant_keeps_its_lora(family_bot):
    from tests.handlers.brand_helpers import choose, draft
    from tests.handlers.test_recipes import form

    bot = family_bot
    results = draft(bot, "a red sneaker --n 1 --seed 77 --lora brand:0.6", 0)
    source = next(bot.runtime.store.db["assets"].rows)
    choose(bot, results, source["id"], "save_recipe")
    bot.slack.wait_for(lambda: bot.slack.views or None)
    bot.sender.view_submission("recipe_save", form(template="a {product}"), "U1")
    bot.slack.wait_for(lambda: bot.runtime.store.db["recipes"].count == 1 or None)
    assert "LoRA `brand:0.6`" in bot.sender.command("/dailies", "recipe list").json()["text"]
    draft(bot, "--recipe hero product=kite --n 1", 1)
    draft(bot, "--recipe hero product=kite --n 1 --lora none", 2)
    made = [jobs.get_job(bot.runtime.store, i).params.get("loras") for i in (2, 3)]
    assert made[0] == [
        {
            "name": "brand",
            "source": bot.runtime.loras["brand"].source,
            "weight": 0.6,
            "weight_name": None,
        }
    ]
    assert made[1] is None, "the person's --lora none beats the recipe's"
