"""/dailies find through Slack: words, people, marks, time, ranking, permalinks, privacy."""

from __future__ import annotations

import time

from tests.handlers.library_helpers import draft_in, find, hit_buttons, hit_prompts, hits
from tests.handlers.review_helpers import click


def test_find_by_words_ranks_the_exact_prompt_first_and_links_each_hit(bot):
    draft_in(bot, "a teapot on a shelf beside another teapot --n 1 --seed 1")
    draft_in(bot, "a teapot --n 1 --seed 2")
    draft_in(bot, "a red sneaker on wet marble --n 1 --seed 3", user="U2")

    answer = find(bot, "a teapot")
    assert answer.get("response_type", "ephemeral") == "ephemeral"
    assert hit_prompts(answer) == ["a teapot", "a teapot on a shelf beside another teapot"]
    first = hits(answer)[0]
    assert first["text"]["text"].startswith("*1.* `a2`")
    assert "<@U1>" in first["text"]["text"] and "0 votes" in first["text"]["text"]
    store = bot.runtime.store
    asset = next(store.db["assets"].rows_where("id = 2"))
    assert first["accessory"]["slack_file"]["id"] == asset["slack_file_id"], "its own thumbnail"
    buttons = hit_buttons(answer, 2)
    assert list(buttons) == ["Open thread", "Promote", "Export"]
    shown_ts = next(store.db["posted_messages"].rows_where("job_id = 2"))["ts"]
    assert buttons["Open thread"]["url"].endswith(
        f"/archives/C1/p{shown_ts.replace('.', '')}?thread_ts={asset['thread_ts']}&cid=C1"
    )
    assert bot.slack.calls_to("chat.getPermalink")

    assert hit_prompts(find(bot, "teapots")) == hit_prompts(answer), "stems match"
    assert hit_prompts(find(bot, "sneaker")) == ["a red sneaker on wet marble"]
    assert hit_prompts(find(bot, "teapot by <@U2|bea>")) == []
    assert hit_prompts(find(bot, "by <@U2|bea>")) == ["a red sneaker on wet marble"]
    assert hit_prompts(find(bot, "sneaker by me", user="U2")) == ["a red sneaker on wet marble"]


def test_filters_approved_voted_and_since_and_no_match_says_what_to_drop(bot):
    _, shown = draft_in(bot, "a copper teapot --n 2 --seed 5")
    click(bot, shown, "vote", 2, "U2")
    bot.slack.wait_for(lambda: bot.runtime.store.db["votes"].count == 1)
    voted = find(bot, "teapot voted")
    assert hit_prompts(voted) == ["a copper teapot"] and "1 vote" in str(hits(voted)[0])

    assert hit_prompts(find(bot, "teapot approved")) == []
    click(bot, shown, "promote", 1, "U3")
    store = bot.runtime.store
    bot.slack.wait_for(lambda: store.db["assets"].count_where("approved = 1"), timeout=60)
    approved = find(bot, "teapot approved by <@U3>")
    [hit] = hits(approved)
    assert ":star: FINAL" in hit["text"]["text"] and "approved by <@U3>" in hit["text"]["text"]
    assert "Promote" not in hit_buttons(approved, 3), "a final is not promoted again"
    assert len(hits(find(bot, "teapot finals"))) == 1

    old = time.time() - 3 * 86400
    with store.write() as db:
        db.execute("UPDATE assets SET created_at = ?, approved_at = NULL", [old])
    answer = find(bot, "teapot since 2d")
    assert hits(answer) == []
    assert "No match for “teapot” · since 2d" in answer["text"]
    assert "Try again without `since 2d`" in answer["text"]
    assert len(hits(find(bot, "teapot since 2026-01-01"))) == 3

    bad = find(bot, "teapot since tuesday")
    assert "`since tuesday` is not a time I know" in bad["text"]
    assert "I can't tell who `@carol` is" in find(bot, "teapot by @carol")["text"]


def test_a_private_channels_assets_are_found_only_by_its_members(bot):
    bot.slack.set_channel("G1", private=True, members=["UBOT", "U3"])
    draft_in(bot, "a secret lighthouse --n 1 --seed 8", user="U3", channel="G1")
    draft_in(bot, "a public lighthouse --n 1 --seed 9", user="U1", channel="C1")

    outsider = find(bot, "lighthouse", user="U1")
    assert hit_prompts(outsider) == ["a public lighthouse"]
    assert "secret" not in str(outsider)
    assert hit_prompts(find(bot, "secret", user="U1")) == []
    assert hit_prompts(find(bot, "lighthouse in <#G1>", user="U1")) == []
    member = find(bot, "lighthouse", user="U3")
    assert sorted(hit_prompts(member)) == ["a public lighthouse", "a secret lighthouse"]
    in_place = find(bot, "secret", user="U1", channel="G1")
    assert hit_prompts(in_place) == ["a secret lighthouse"], "searching inside the channel"
