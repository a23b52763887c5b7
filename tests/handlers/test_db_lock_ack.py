"""A database held by another writer never delays an ack past Slack's 3 s: a /draft sent while
another connection holds SQLite's write lock for longer is acked at once, recorded once the lock
is free (exactly once, a replay of it included), and its status message follows."""

from __future__ import annotations

import sqlite3

import pytest

from bot.jobs import rows as jobs


@pytest.fixture
def held_db(bot):
    """Another connection (another process, as far as SQLite knows) holding the write lock."""
    conn = sqlite3.connect(str(bot.runtime.settings.db_path), timeout=30)
    conn.execute("BEGIN IMMEDIATE")
    yield conn
    conn.rollback()
    conn.close()


def test_a_draft_sent_while_the_database_is_held_is_acked_in_time_and_recorded_once(bot, held_db):
    sent = bot.sender.command("/draft", "a tin robot --n 1 --seed 8", trigger_id="T-held-1")
    assert sent.acked_in_time, f"acked after {sent.elapsed:.2f} s"
    print(f"/draft ack with the database held by another writer: {sent.elapsed:.2f} s")
    assert "busy for a moment" in sent.body
    replay = bot.sender.command("/draft", "a tin robot --n 1 --seed 8", trigger_id="T-held-1")
    assert replay.acked_in_time
    busy = bot.sender.command("/dailies", "models tiny")
    assert busy.acked_in_time and "send it again in a few seconds" in busy.json()["text"]
    assert bot.runtime.store.db["jobs"].count == 0, "nothing could be written yet"

    held_db.rollback()  # the other writer lets go
    root = bot.slack.wait_for(lambda: bot.root_messages() or None)[0]
    assert ">a tin robot" in str(root["blocks"])
    bot.wait_for_variants("C1", root["ts"])
    assert bot.runtime.store.db["jobs"].count == 1, "recorded once, the replay dropped"
    assert jobs.get_job(bot.runtime.store, 1).status == jobs.DONE
    assert len(bot.root_messages()) == 1

    again = bot.sender.command("/draft", "a tin robot --n 1 --seed 8", trigger_id="T-held-1")
    assert again.acked_in_time and bot.runtime.store.db["jobs"].count == 1
    rows = list(bot.runtime.store.db["channel_settings"].rows_where("channel_id = 'C1'"))
    assert not rows or rows[0].get("models") is None, "the busy /dailies changed nothing"


def test_a_draft_with_the_database_free_is_acked_plainly(bot):
    sent = bot.sender.command("/draft", "a tin robot --n 1", trigger_id="T-free-1")
    assert sent.acked_in_time and sent.body == ""
    root = bot.slack.wait_for(lambda: bot.root_messages() or None)[0]
    bot.wait_for_variants("C1", root["ts"])


def test_a_tag_saved_while_the_database_is_held_keeps_the_modal_open_and_saves_nothing(
    bot, held_db
):
    from bot.slack import blocks
    from tests.handlers.library_helpers import draft_in
    from tests.handlers.test_tags import choose_tag

    held_db.rollback()
    _, shown = draft_in(bot, "a brass kettle --n 1 --seed 6")
    choose_tag(bot, shown, 1)
    bot.slack.wait_for(
        lambda: [v for v in bot.slack.views if v["view"]["callback_id"] == "library_tag"] or None
    )
    held_db.execute("BEGIN IMMEDIATE")
    values = {blocks.TAG_INPUT: {blocks.TAG_INPUT: {"type": "plain_text_input", "value": "hero"}}}
    sent = bot.sender.view_submission(blocks.TAG_VIEW, values, "U2")
    assert sent.acked_in_time, f"acked after {sent.elapsed:.2f} s"
    answer = sent.json()
    assert answer["response_action"] == "errors"
    assert "Save again in a few seconds" in answer["errors"][blocks.TAG_INPUT]
    held_db.rollback()
    assert bot.runtime.store.db["assets"].get(1)["tags"] == "", "nothing half-saved"


def test_an_animate_modal_sent_while_the_database_is_held_is_acked_and_runs_once_free(bot, held_db):
    from tests.handlers.test_animate import clip_messages, draft_variant, modal_values, open_modal

    held_db.rollback()
    root, shown = draft_variant(bot)
    open_modal(bot, shown)
    held_db.execute("BEGIN IMMEDIATE")
    sent = bot.sender.view_submission("animate_modal", modal_values(count=1), "U1")
    assert sent.acked_in_time and sent.body == "", f"acked after {sent.elapsed:.2f} s"
    held_db.rollback()
    first = clip_messages(bot, root["ts"])[0]
    assert "Test clips · 1 clip" in str(first["blocks"])
    assert bot.runtime.store.db["jobs"].count == 2, "the draft and one animate job"
