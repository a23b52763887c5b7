"""The core paths of the bot on the Ray engine: what a person does in a thread works the same
whether the models run in the bot's process or on Ray workers."""

from __future__ import annotations

import pytest

from tests.bot.jobs import ray_runners
from tests.bot.jobs.test_ray_engine import images, ray_bot
from tests.handlers.brand_helpers import choose
from tests.handlers.review_helpers import click, start_draft
from tests.handlers.test_animate import clip_messages, modal_values, open_modal

pytest.importorskip("ray")


def test_draft_reroll_vary_promote_and_animate_on_ray(tmp_path, slack, ray_cluster):
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

        view = open_modal(bot, shown, asset_id=1)
        assert view["callback_id"] == "animate_modal"
        sent = bot.sender.view_submission("animate_modal", modal_values(count=1), "U1")
        assert sent.status == 200
        clips = clip_messages(bot, thread)[0]
        assert "Test clips · 1 clip" in str(clips["blocks"])
        assert any(f["name"].endswith(".mp4") for f in bot.slack.files.values())
    finally:
        bot.stop()
