import pytest

from bot.slack.text import plain_text


@pytest.mark.parametrize(
    ("sent", "typed"),
    [
        ("salt &amp; pepper shakers &lt;vintage&gt;", "salt & pepper shakers <vintage>"),
        ("a poster like <https://example.com/a|example.com/a>", "a poster like example.com/a"),
        ("see <https://example.com/a>", "see https://example.com/a"),
        ("for <@U123|ana> in <#C1|design>", "for @ana in #design"),
        ("hi <!here> team", "hi  team"),
        ("literally &amp;lt;", "literally &lt;"),
        ("no formatting — at all", "no formatting — at all"),
    ],
)
def test_slack_formatting_is_undone(sent, typed):
    assert plain_text(sent) == typed
