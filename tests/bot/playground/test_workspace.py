"""What the page's composer does to text before the app sees it, and what it refuses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.playground.people import PEOPLE
from bot.playground.slack_api import SlackImitation, SlackSender
from bot.playground.workspace import PlaygroundError, Workspace, slack_escape


@pytest.fixture
def workspace() -> Iterator[Workspace]:
    with SlackImitation() as slack:
        # No app behind the sender: these actions never reach it.
        yield Workspace(slack, SlackSender("http://127.0.0.1:9/slack/events", "s", imitation=slack))


def test_mentions_become_slack_markup_and_text_is_escaped(workspace: Workspace) -> None:
    assert workspace.mention_markup("@Alice and @bob, ask @dailies; @nobody") == (
        "<@U0ALICE> and <@U0BOB>, ask <@UBOT>; @nobody"
    )
    assert slack_escape("a <b> & c") == "a &lt;b&gt; &amp; c"


def test_channels_are_named_like_slack_and_unique(workspace: Workspace) -> None:
    channel = workspace.create_channel("#Launch-2027")
    assert channel.startswith("C") and workspace.channel_name(channel) == "launch-2027"
    with pytest.raises(PlaygroundError, match="already exists"):
        workspace.create_channel("launch-2027")
    with pytest.raises(PlaygroundError, match="lowercase letters"):
        workspace.create_channel("no spaces")


def test_commands_in_threads_and_unknown_commands_are_answered_like_slack(
    workspace: Workspace,
) -> None:
    person = PEOPLE[1].id
    root = workspace.slack.post_user_message("C0DESIGN", person, "hello")
    with pytest.raises(PlaygroundError, match="not supported in threads"):
        workspace.post(person, "C0DESIGN", "/draft a cat", thread_ts=root["ts"])
    workspace.post(person, "C0DESIGN", "/giphy cat")
    [note] = workspace.slack.ephemerals
    assert note["user"] == person and "`/giphy` is not a valid command" in note["text"]
    with pytest.raises(PlaygroundError, match="No channel"):
        workspace.post(person, "C0NOWHERE", "hi")
