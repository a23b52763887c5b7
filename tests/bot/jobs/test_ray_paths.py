"""The core paths of the bot on the Ray engine: what a person does in a thread works the same
whether the models run in the bot's process or on Ray workers."""

from __future__ import annotations

import pytest

from tests.bot.jobs import ray_runners
from tests.bot.jobs.test_ray_engine import images, ray_bot, variants_messages
from tests.handlers.brand_helpers import choose
from tests.handlers.review_helpers import click, start_draft
from tests.handlers.test_animate import clip_messages, modal_values, open_modal
from tests.handlers.test_edit_actions import png, source_asset
from tests.handlers.test_edit_reply import mask_png

pytest.importorskip("ray")


def test_draft_reroll_vary_promote_edit_and_animate_on_ray(tmp_path, slack, ray_cluster):
    bot = ray_bot(tmp_path, slack, ray_runners.tiny)
    try:
        root, shown = start_draft(bot, "a paper lantern --n 2 --seed 3")
        thread = root["ts"]

        bot.sender.block_action("reroll", None, "U2", "C1", shown["ts"])
        rerolled = bot.wait_for_variants("C1", thread, count=2)[1]
        assert len(images(rerolled)) == 2 and "#1 · seed 3'" not in str(rerolled["blocks"])

        choose(bot, shown, 1, "vary_subtle")
        varied = bot.wait_for_variants("C1", thread, count=3)[2]
        assert "Variation" in str(varied["blocks"]) and len(images(varied)) == 2

        click(bot, shown, "promote", 2, "U1")
        final = bot.slack.wait_for(
            lambda: next(
                (m for m in bot.bot_replies("C1", thread) if "final_image" in str(m)), None
            ),
            timeout=90,
        )
        assert ":star: *FINAL*" in str(final["blocks"])

        first = source_asset(bot, shown, 1)
        width, height = first["width"], first["height"]
        mask = mask_png((width, height), (width // 2, 0, width, height))
        bot.sender.user_message(
            "C1", "U5", "edit #1 a lighthouse", thread_ts=thread, files=[("mask.png", mask)]
        )
        edited = bot.slack.wait_for(
            lambda: next(
                (m for m in variants_messages(bot, thread) if "Region edit" in str(m["blocks"])),
                None,
            ),
            timeout=90,
        )
        made = source_asset(bot, edited, 1)
        source = bot.runtime.store.db["assets"].get(made["parent_id"])
        before = png(bot, source["slack_file_id"]).convert("RGB")
        after = png(bot, made["slack_file_id"]).convert("RGB")
        assert before.size == after.size and before.getpixel((1, 1)) == after.getpixel((1, 1))
        assert before.getpixel((after.width - 2, 1)) != after.getpixel((after.width - 2, 1))

        view = open_modal(bot, shown, asset_id=1)
        assert view["callback_id"] == "animate_modal"
        sent = bot.sender.view_submission("animate_modal", modal_values(count=1), "U1")
        assert sent.status == 200
        clips = clip_messages(bot, thread)[0]
        assert "Test clips · 1 clip" in str(clips["blocks"])
        assert any(f["name"].endswith(".mp4") for f in bot.slack.files.values())
    finally:
        bot.stop()


def test_a_configured_family_runs_on_ray_and_its_hosted_final_in_the_bot(
    tmp_path, slack, ray_cluster
):
    import os

    from tests.gemini_imitation import GeminiImitation
    from tests.handlers.test_model_families import FAMILIES, KEY

    with GeminiImitation(api_key=KEY) as gemini:
        bot = ray_bot(
            tmp_path, slack, None, families=FAMILIES, gemini_api_key=KEY,
            gemini_base_url=gemini.base_url,
        )  # fmt: skip
        try:
            assert "use `mixed`" in bot.sender.command("/dailies", "models mixed").json()["text"]
            root, shown = start_draft(bot, "a glass teapot --n 2 --seed 8")
            [worker] = bot.runtime.engine.workers()
            assert worker["pid"] != os.getpid() and worker["jobs_done"] >= 1, "drafted on Ray"
            click(bot, shown, "promote", 1, "U1")
            final = bot.slack.wait_for(
                lambda: next(
                    (m for m in bot.bot_replies("C1", root["ts"]) if "final_image" in str(m)),
                    None,
                ),
                timeout=90,
            )
            assert ":star: *FINAL*" in str(final["blocks"])
            rows = list(bot.runtime.store.db["assets"].rows_where(order_by="id"))
            assert [(r["family"], r["tier"]) for r in rows] == [("mixed", "draft")] * 2 + [
                ("mixed", "final")
            ]
            assert rows[2]["model_id"] == "gemini-3-pro-image-preview"
            assert len(gemini.requests) == 1, "the hosted final ran once, from the bot's lane"
            assert bot.runtime.engine.workers()[0]["jobs_done"] == worker["jobs_done"]
        finally:
            bot.stop()
