import pytest

from bot.jobs.draft_options import OptionsError
from bot.review.channel_settings import (
    describe_approvers,
    get_settings,
    parse_approvers,
    set_approvers,
    set_finals_first,
)
from bot.store.database import Store


def test_mentions_as_slack_sends_them_and_anyone():
    assert parse_approvers("<@U123|ana> <@W456>, U789 <@U123>") == ["U123", "W456", "U789"]
    assert parse_approvers("anyone") is None
    with pytest.raises(OptionsError, match="`@ana` is not a person"):
        parse_approvers("@ana")
    with pytest.raises(OptionsError, match="at least one"):
        parse_approvers(" , ")


def test_settings_default_to_anyone_and_persist_per_channel(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    assert get_settings(store, "C1").may_promote("U9")
    set_approvers(store, "C1", "U1", ["U2", "U3"])
    set_finals_first(store, "C1", "U1", True)
    settings = get_settings(store, "C1")
    assert not settings.may_promote("U9") and settings.may_promote("U3")
    assert settings.finals_first and settings.final_priority > 0
    assert describe_approvers(settings) == "<@U2> and <@U3>"
    assert get_settings(store, "C2").approvers is None
    assert set_approvers(store, "C1", "U2", None).may_promote("U9")
    assert get_settings(store, "C1").finals_first, "changing approvers keeps finals first"
