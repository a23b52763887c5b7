"""Slack's rate limits from the bot's side: edits of a room voting at once while a draft renders,
and posts of drafts sent together.

The imitation enforces a chat.update limit (429 beyond it) a little looser than the bot's own
budget, as Slack's "50+ a minute" is looser than the 50 the bot allows itself. Rates are scaled
up from Slack's so the test takes seconds: the bot allows itself 2 edits a second (burst 3), the
imitation 3 a second (burst 5).
"""

from __future__ import annotations

import itertools

from bot.playground.slack_api import SlackImitation
from tests.handlers.conftest import start_bot
from tests.handlers.review_helpers import SlowSteps, current, start_draft, votes_at_once, wait_note

BOT_RATE_PER_MIN, BOT_BURST = 120.0, 3
SLACK_RATE_PER_MIN, SLACK_BURST = 180.0, 5


def most_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    return max((sum(1 for t in times if s <= t < s + window) for s in times), default=0)


def test_thirty_quick_votes_and_a_rendering_draft_keep_within_the_edit_budget(
    tmp_path, tiny_runner
):
    with SlackImitation(
        file_share_delay=0.2,
        update_rate_limit_per_min=SLACK_RATE_PER_MIN,
        update_rate_burst=SLACK_BURST,
    ) as slack:
        bot = start_bot(
            tmp_path,
            slack,
            lambda device: SlowSteps(tiny_runner, 0.15),
            edit_rate_per_min=BOT_RATE_PER_MIN,
            edit_burst=BOT_BURST,
        )
        try:
            _, shown = start_draft(bot, "a brass lantern --n 2 --seed 4")
            bot.sender.command("/draft", "a long render --n 2 --steps 8", user_id="U2")
            root = slack.wait_for(lambda: bot.root_messages()[1:] or None)[0]
            slack.wait_for(lambda: "Rendering · step" in str(current(bot, root).get("blocks")))

            answers = votes_at_once(bot, shown, 1, [f"U{100 + i}" for i in range(30)])
            assert len(answers) == 30 and all(a.acked_in_time for a in answers)

            text = wait_note(bot, shown, 1, "30 votes", timeout=60)
            assert "leading" in text, "the final tally is what the message shows"
            bot.wait_for_variants("C1", root["ts"], timeout=60)
            slack.wait_for(lambda: "Done" in str(current(bot, root).get("blocks")), timeout=60)

            edits = [o for o in slack.outcomes if o["method"] == "chat.update"]
            refused = [o for o in edits if o["status"] == 429]
            assert refused == [], f"{len(refused)} edits were answered 429"
            # What the budget allows in any window, plus one for delivery jitter.
            window = 2.0
            allowed = BOT_BURST + BOT_RATE_PER_MIN / 60 * window + 1
            busiest = most_in_any_window([o["at"] for o in edits], window)
            assert busiest <= allowed, f"{busiest} edits in {window} s (budget {allowed:.0f})"
            tally_edits = len(current(bot, shown)["history"])
            assert 1 <= tally_edits < 30, "votes were merged into fewer edits"
            progress = [
                v
                for v in current(bot, root)["history"]
                if "Rendering · step" in str(v.get("blocks"))
            ]
            assert progress, "progress was still shown, only less often"
        finally:
            bot.stop()


def test_drafts_sent_together_post_in_turn_within_the_channel_budget_and_none_is_lost(
    tmp_path, tiny_runner
):
    """Posts wait their turn on the bot's threads (status posts, results) instead of being sent
    into a 429: the bot allows itself one post every 2 s in the channel, the imitation one a
    second (a wide margin, so that a late thread never makes two arrive within a second)."""
    with SlackImitation(file_share_delay=0.2, post_rate_limit_per_sec=1.0) as slack:
        bot = start_bot(
            tmp_path, slack, lambda device: tiny_runner, post_rate_per_s=0.5, post_burst=1
        )
        try:
            answers = [
                bot.sender.command("/draft", f"posted in turn {i} --n 1", user_id=f"U{i}")
                for i in range(3)
            ]
            assert all(a.acked_in_time for a in answers), "acks never wait on the budget"
            roots = slack.wait_for(
                lambda: bot.root_messages() if len(bot.root_messages()) == 3 else None,
                timeout=60,
            )
            for root in roots:
                bot.wait_for_variants("C1", root["ts"], timeout=60)
            posts = [o for o in slack.outcomes if o["method"] == "chat.postMessage"]
            assert [o["status"] for o in posts if o["status"] != 200] == [], "no 429"
            assert len(posts) == 6, "3 status posts and 3 results, each once"
            spacing = [b["at"] - a["at"] for a, b in itertools.pairwise(posts)]
            assert min(spacing) >= 1.0, spacing
        finally:
            bot.stop()
