"""Fixtures of the Slack imitation's own tests: a started imitation and a WebClient on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.playground.slack_api import (
    SlackImitation,
)
from tests.bot.playground.slack_api.imitation_helpers import TOKEN


@pytest.fixture
def slack() -> Iterator[SlackImitation]:
    with SlackImitation(bot_token=TOKEN, file_share_delay=0.2) as imitation:
        yield imitation


@pytest.fixture
def client(slack: SlackImitation) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.base_url)
