"""Deliveries that are not for dailies are acknowledged (200), not refused (404) — Slack would
retry refused events and eventually disable the subscription."""


def test_unrelated_messages_and_reactions_are_acknowledged_and_ignored(bot):
    sent, message = bot.sender.user_message("C1", "U1", "lunch at noon?")
    assert sent.status == 200
    sent, _ = bot.sender.user_message("C1", "U2", "sure", thread_ts=message["ts"])
    assert sent.status == 200
    assert bot.sender.reaction_added("C1", message["ts"], "tada", "U2").status == 200
    assert bot.runtime.store.db["jobs"].count == 0
    assert bot.root_messages() == [] and bot.slack.ephemerals == []
