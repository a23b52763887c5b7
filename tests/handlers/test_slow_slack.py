"""A slow Slack never makes a command miss its 3 s ack: the work after each ack (posting the
status message) may wait on Slack, but it never holds up the next person's command."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.handlers.conftest import start_bot


def test_ten_drafts_all_ack_while_chat_post_message_takes_4_s(tmp_path, slack, tiny_runner):
    bot = start_bot(tmp_path, slack, lambda device: tiny_runner)
    try:
        slack.delay("chat.postMessage", 4.0)
        with ThreadPoolExecutor(10) as pool:
            sent = list(
                pool.map(
                    lambda i: bot.sender.command("/draft", f"a lantern {i}", user_id=f"U{i}"),
                    range(10),
                )
            )
        late = [(s.status, round(s.elapsed, 2)) for s in sent if not s.acked_in_time]
        assert late == [], f"{len(late)} of 10 commands missed their ack: {late}"
        slack.clear_faults()
        slack.wait_for(lambda: len(bot.root_messages()) == 10 or None, timeout=60)
    finally:
        bot.stop()
