"""What people type reaches Slack as text, never as markup: a prompt with `<!here>` in it must
not ping the channel through the message's fallback `text` (what notifications show)."""

from __future__ import annotations


def test_a_prompt_that_looks_like_a_mention_is_escaped_in_the_fallback_text(bot):
    # Slack escapes what a person types: "<!here>" arrives as "&lt;!here&gt;".
    bot.sender.command("/draft", "&lt;!here&gt; a cat &amp; a dog")
    root = bot.slack.wait_for(lambda: bot.root_messages() or None)[0]
    assert "<!here>" not in root["text"] and "&lt;!here&gt;" in root["text"]
    assert "<!here>" not in str(root["blocks"])
    bot.slack.wait_for(lambda: "done" in bot.slack.message("C1", root["ts"])["text"])
    assert "<!here>" not in bot.slack.message("C1", root["ts"])["text"]


def test_an_invisible_prompt_is_refused_with_a_reason(bot):
    answer = bot.sender.command("/draft", "\u200b\u200b").json()
    assert "no visible characters" in answer["text"]
    assert bot.runtime.store.db["jobs"].count == 0


def test_a_replayed_command_makes_one_job(bot):
    first = bot.sender.command("/draft", "a lamp --n 1", trigger_id="trig-1")
    again = bot.sender.command("/draft", "a lamp --n 1", trigger_id="trig-1")
    assert first.status == 200 and again.status == 200
    root = bot.slack.wait_for(lambda: bot.root_messages() or None)[0]
    bot.wait_for_variants("C1", root["ts"])
    assert bot.runtime.store.db["jobs"].count == 1
    assert len(bot.root_messages()) == 1
