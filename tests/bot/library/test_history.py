import pytest

from bot.jobs import rows as jobs
from bot.library.history import HistoryError, history_text, resolve_thread
from bot.review import votes
from bot.store.database import Store
from tests.bot.review_rows import draft_job


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "db.sqlite")


def test_threads_are_named_by_link_by_channel_and_ts_or_by_ts_alone(store):
    draft_job(store, thread="1732271234.000100")
    assert resolve_thread(store, "1732271234.000100") == ("C1", "1732271234.000100")
    assert resolve_thread(store, "1732271234.000100", "C1") == ("C1", "1732271234.000100")
    link = "https://acme.slack.com/archives/C1/p1732271234000100"
    assert resolve_thread(store, link) == ("C1", "1732271234.000100")
    reply = (
        "https://acme.slack.com/archives/C1/p1732279999000200?thread_ts=1732271234.000100&cid=C1"
    )
    assert resolve_thread(store, reply) == ("C1", "1732271234.000100")
    with pytest.raises(HistoryError, match="no dailies thread at C2"):
        resolve_thread(store, "1732271234.000100", "C2")
    with pytest.raises(HistoryError, match="neither a thread timestamp"):
        resolve_thread(store, "yesterday")


def test_the_same_ts_in_two_channels_is_ambiguous(store):
    draft_job(store, thread="1732271234.000100")

    jobs.create_job(
        store,
        "draft",
        {"prompt": "x", "seeds": [1]},
        user_id="U1",
        channel_id="C9",
        thread_ts="1732271234.000100",
    )
    with pytest.raises(HistoryError, match="exist in C1, C9: say which with --channel"):
        resolve_thread(store, "1732271234.000100")


def test_history_shows_iterations_votes_and_rerolls(store):
    v1, (_, a2) = draft_job(store)
    votes.toggle_vote(store, a2, "U2")
    votes.toggle_vote(store, a2, "U3")
    draft_job(store, iteration=1, parent=v1.id, seed=90)
    text = history_text(store, "C1", "1.0")
    assert "│  └─ #2 seed 11 · 2 votes (U2, U3) ★ leading" in text
    assert "└─ v1 · re-roll of job 1 · job 2" in text
