"""The Ray engine tests drive the whole bot, with the handlers' Slack and runner fixtures."""

from tests.handlers.conftest import slack, tiny_runner  # noqa: F401 (fixtures)
