"""/draft and @dailies end to end: signed HTTP in, Slack Web API calls out."""

from __future__ import annotations

import io

from PIL import Image

from bot.jobs import rows as jobs
from bot.media.png_params import parse_parameters
from tests.handlers.conftest import start_bot
from tests.handlers.review_helpers import SlowSteps


def image_blocks(message):
    return [b for b in message["blocks"] if b["type"] == "image"]


def test_draft_acks_fast_posts_root_uploads_and_shows_variants(bot):
    sent = bot.sender.command(
        "/draft", "a red sneaker on wet marble --n 3 --ar 4:5 --seed 42 --no text, logo"
    )
    assert sent.status == 200 and sent.elapsed < 3.0
    root = bot.slack.wait_for(lambda: bot.root_messages() or None)[0]
    assert "a red sneaker on wet marble" in root["text"]
    root_text = str(root["blocks"])
    assert "3 variants" in root_text and "4:5" in root_text and "seeds 42–44" in root_text
    assert "no: text, logo" in root_text

    shown = bot.wait_for_variants("C1", root["ts"])[0]
    images = image_blocks(shown)
    assert [b["title"]["text"] for b in images] == [
        "#1 · seed 42 · a1",
        "#2 · seed 43 · a2",
        "#3 · seed 44 · a3",
    ]
    file_ids = [b["slack_file"]["id"] for b in images]
    for file_id in file_ids:
        stored = bot.slack.files[file_id]
        assert "C1" in stored["channels"] and stored["thread_ts"] == root["ts"]
        with Image.open(io.BytesIO(stored["bytes"])) as png:
            assert png.size[0] < png.size[1], "4:5 is portrait"
            assert png.size[0] % 64 == 0 and png.size[1] % 64 == 0
            params = parse_parameters(png.text["parameters"])
        assert params.negative_prompt == "text, logo"
    buttons = [
        e["text"]["text"]
        for b in shown["blocks"]
        if b.get("block_id") == "variants_actions"
        for e in b["elements"]
    ]
    assert buttons == ["Re-roll"]

    bot.slack.wait_for(lambda: "Done" in str(bot.slack.message("C1", root["ts"])["blocks"]))
    final_root = bot.slack.message("C1", root["ts"])
    assert "Cancel" not in str(final_root["blocks"])
    assert bot.runtime.store.db["jobs"].count == 1
    job = jobs.get_job(bot.runtime.store, 1)
    assert job.status == jobs.DONE and job.thread_ts == root["ts"]
    assets = list(bot.runtime.store.db["assets"].rows_where(order_by="variant"))
    assert [(a["seed"], a["negative_prompt"], a["thread_ts"], a["user_id"]) for a in assets] == [
        (42, "text, logo", root["ts"], "U1"),
        (43, "text, logo", root["ts"], "U1"),
        (44, "text, logo", root["ts"], "U1"),
    ]
    assert {a["slack_file_id"] for a in assets} == set(file_ids)


def test_progress_is_shown_on_the_root_message_at_most_every_interval(tmp_path, slack, tiny_runner):
    bot = start_bot(tmp_path, slack, lambda device: SlowSteps(tiny_runner), progress_interval_s=0.2)
    try:
        bot.sender.command("/draft", "a lighthouse at dusk --n 2 --steps 8")
        root = bot.slack.wait_for(lambda: bot.root_messages() or None)[0]
        bot.wait_for_variants("C1", root["ts"])
        history = bot.slack.message("C1", root["ts"])["history"]
        # Version i of the message was made by the edit that replaced version i-1.
        shown = [
            (history[i - 1]["replaced_at"], str(v.get("blocks")))
            for i, v in enumerate(history)
            if i and "Rendering · step" in str(v.get("blocks"))
        ]
        assert shown and any("of 16" in text for _, text in shown)
        # 16 steps of ≥ 50 ms with a 0.2 s interval: a handful of edits however slow the
        # machine, never one per step (one more than the span allows, for delivery jitter).
        span = shown[-1][0] - shown[0][0]
        assert len(shown) <= span / 0.2 + 2, f"{len(shown)} progress edits in {span:.2f} s"
        assert len(shown) < 16
    finally:
        bot.stop()


def test_bad_flag_gets_an_ephemeral_error_and_queues_nothing(bot):
    sent = bot.sender.command("/draft", "a cat --n 12")
    assert sent.status == 200
    body = sent.json()
    assert body.get("response_type", "ephemeral") == "ephemeral"
    assert "between 1 and 8, got 12" in body["text"] and "Usage" in body["text"]
    assert bot.runtime.store.db["jobs"].count == 0
    assert bot.root_messages() == []


def test_empty_draft_shows_help(bot):
    sent = bot.sender.command("/draft", "   ")
    assert "--ar W:H" in sent.json()["text"]
    assert bot.runtime.store.db["jobs"].count == 0


def test_forged_signature_is_refused(bot):
    sent = bot.sender.command("/draft", "a cat", forged=True)
    assert sent.status == 401
    assert bot.runtime.store.db["jobs"].count == 0


def test_reroll_makes_new_seeds_in_the_same_thread(bot):
    bot.sender.command("/draft", "a teapot --n 2 --seed 7")
    root = bot.slack.wait_for(lambda: bot.root_messages() or None)[0]
    first = bot.wait_for_variants("C1", root["ts"])[0]
    sent = bot.sender.block_action("reroll", None, "U2", "C1", first["ts"])
    assert sent.status == 200
    second = bot.wait_for_variants("C1", root["ts"], count=2)[1]
    seeds_before = [b["title"]["text"] for b in image_blocks(first)]
    seeds_after = [b["title"]["text"] for b in image_blocks(second)]
    assert len(seeds_after) == 2 and seeds_after != seeds_before
    assert len(bot.root_messages()) == 1, "the re-roll stays in the thread"
    reroll = jobs.get_job(bot.runtime.store, 2)
    assert reroll.parent_job_id == 1 and reroll.user_id == "U2" and reroll.thread_ts == root["ts"]


def test_duplicate_click_delivery_acts_once(bot):
    bot.sender.command("/draft", "a teapot --n 1 --seed 7")
    root = bot.slack.wait_for(lambda: bot.root_messages() or None)[0]
    first = bot.wait_for_variants("C1", root["ts"])[0]
    sent = bot.sender.block_action("reroll", None, "U2", "C1", first["ts"])
    payload = sent.request_body
    bot.sender.post(payload, "application/x-www-form-urlencoded")
    bot.wait_for_variants("C1", root["ts"], count=2)
    assert bot.runtime.store.db["jobs"].count == 2


def test_mention_starts_a_draft_and_bad_mention_is_ephemeral(bot):
    bot.sender.mention("C1", "U3", "a paper crane --n 1")
    root = bot.slack.wait_for(lambda: bot.root_messages() or None)[0]
    bot.wait_for_variants("C1", root["ts"])
    assert jobs.get_job(bot.runtime.store, 1).user_id == "U3"

    bot.sender.mention("C1", "U3", "a paper crane --ar nope")
    warning = bot.slack.wait_for(lambda: bot.slack.ephemerals or None)[0]
    assert warning["user"] == "U3" and "ratio like 4:5" in warning["text"]
    assert bot.runtime.store.db["jobs"].count == 1


def test_mention_inside_a_thread_works_in_that_thread(bot):
    parent = bot.slack.post_user_message("C1", "U4", "ideas for the campaign")
    bot.sender.mention("C1", "U4", "a neon sign --n 1", thread_ts=parent["ts"])
    bot.wait_for_variants("C1", parent["ts"])
    assert bot.root_messages() == []


def test_a_mention_in_a_dailies_thread_is_its_next_version(bot):
    bot.sender.command("/draft", "a quiet harbour --n 1")
    root = bot.slack.wait_for(lambda: bot.root_messages() or None)[0]
    bot.wait_for_variants("C1", root["ts"])
    bot.sender.mention("C1", "U4", "a red boat --n 1", thread_ts=root["ts"])
    second = bot.wait_for_variants("C1", root["ts"], count=2)[1]
    assert "v2" in second["text"] or "v2" in str(second["blocks"][0])
    assert jobs.get_job(bot.runtime.store, 2).params["iteration"] == 2


def test_dailies_help_lists_commands_and_flags(bot):
    for text in ("", "help"):
        body = bot.sender.command("/dailies", text).json()
        assert (
            "/draft" in body["text"] and "--seed N" in body["text"] and "--no TEXT" in body["text"]
        )
    body = bot.sender.command("/dailies", "frobnicate").json()
    assert "Unknown command `/dailies frobnicate`" in body["text"]


def test_rate_limited_posts_are_retried_not_lost(tmp_path, tiny_runner):
    from bot.playground.slack_api import SlackImitation

    with SlackImitation(file_share_delay=0.2, post_rate_limit_per_sec=1.0) as limited:
        bot = start_bot(tmp_path, limited, lambda device: tiny_runner)
        try:
            for prompt in ("one --n 1", "two --n 1"):
                bot.sender.command("/draft", prompt)
            roots = limited.wait_for(
                lambda: bot.root_messages() if len(bot.root_messages()) == 2 else None
            )
            for root in roots:
                bot.wait_for_variants("C1", root["ts"], timeout=60)
            refused = [o for o in limited.outcomes if o.get("status") == 429]
            assert refused, "the imitation refused some posts with 429"
        finally:
            bot.stop()


def test_first_status_says_queued_with_cancel(bot):
    bot.sender.command("/draft", "a clay pot --n 1")
    root = bot.slack.wait_for(lambda: bot.root_messages() or None)[0]
    bot.wait_for_variants("C1", root["ts"])
    message = bot.slack.message("C1", root["ts"])
    first = (message["history"] or [message])[0]
    assert "Queued" in str(first["blocks"]) and "held" not in str(first["blocks"])
    assert any(b["type"] == "actions" for b in first["blocks"]), "Cancel from the first moment"


def test_a_channel_the_bot_cannot_post_in_gets_a_private_reason_and_no_stuck_job(bot):
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web import SlackResponse

    real_post = bot.runtime.client.chat_postMessage

    def refuse_in_c9(**kwargs):
        if kwargs.get("channel") == "C9":
            response = SlackResponse(
                client=bot.runtime.client,
                http_verb="POST",
                api_url="chat.postMessage",
                req_args={},
                data={"ok": False, "error": "not_in_channel"},
                headers={},
                status_code=200,
            )
            raise SlackApiError("not_in_channel", response)
        return real_post(**kwargs)

    bot.runtime.client.chat_postMessage = refuse_in_c9
    sent = bot.sender.command("/draft", "a clay pot --n 1", channel_id="C9")
    assert sent.status == 200
    answer = bot.slack.wait_for(lambda: bot.slack.responses or None)[0]
    assert "invite me with `/invite @dailies`" in answer["json"]["text"]
    job = jobs.get_job(bot.runtime.store, 1)
    assert job.status == jobs.FAILED and "not_in_channel" in job.error
    assert jobs.held_jobs(bot.runtime.store) == []


def test_slack_escaped_text_reaches_the_model_as_typed(bot):
    # What Slack sends for: salt & pepper shakers <vintage> like <https://ex.com|ex.com>
    bot.sender.command(
        "/draft", "salt &amp; pepper shakers &lt;vintage&gt; like <https://ex.com|ex.com> --n 1"
    )
    root = bot.slack.wait_for(lambda: bot.root_messages() or None)[0]
    shown = bot.wait_for_variants("C1", root["ts"])[0]
    file_id = image_blocks(shown)[0]["slack_file"]["id"]
    with Image.open(io.BytesIO(bot.slack.files[file_id]["bytes"])) as png:
        assert parse_parameters(png.text["parameters"]).prompt == (
            "salt & pepper shakers <vintage> like ex.com"
        )
    header = str(shown["blocks"][0])
    assert "salt &amp; pepper shakers &lt;vintage&gt;" in header and "&amp;amp;" not in header
