import threading

import pytest

from bot.jobs import rows as jobs
from bot.review import votes
from bot.store.database import Store


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "db.sqlite")


def make_assets(store, n=2):
    job = jobs.create_job(store, "draft", {"seeds": [1]}, user_id="U1", channel_id="C1")
    with store.write() as db:
        return [
            db["assets"]
            .insert(
                {"sha256": "x", "path": "x", "job_id": job.id, "variant": i + 1, "seed": i}
                | {"width": 64, "height": 64}
            )
            .last_pk
            for i in range(n)
        ]


def test_the_button_toggles_and_a_reaction_never_doubles_a_vote(store):
    a, b = make_assets(store)
    assert votes.toggle_vote(store, a, "U1") is True
    assert votes.add_reaction_vote(store, a, "U1", "one") is False, "already voted by button"
    assert votes.remove_reaction_vote(store, a, "U1", "one") is False, "not cast by reaction"
    assert votes.tally(store, [a, b]).voters == {a: ["U1"], b: []}
    assert votes.toggle_vote(store, a, "U1") is False
    assert votes.tally(store, [a]).count(a) == 0


def test_a_reaction_vote_goes_with_its_own_reaction_only(store):
    (a,) = make_assets(store, 1)
    assert votes.add_reaction_vote(store, a, "U2", "+1")
    assert not votes.remove_reaction_vote(store, a, "U2", "one")
    assert votes.remove_reaction_vote(store, a, "U2", "+1")
    assert votes.tally(store, [a]).count(a) == 0


def test_leaders_tie_and_nobody_leads_without_votes(store):
    a, b = make_assets(store)
    assert not votes.tally(store, [a, b]).leading(a)
    votes.toggle_vote(store, a, "U1")
    votes.toggle_vote(store, b, "U2")
    counted = votes.tally(store, [a, b])
    assert counted.leading(a) and counted.leading(b)
    assert votes.vote_notes(store, [{"id": a}]) == {a: ":trophy: *1 vote* · leading — <@U1>"}


def test_concurrent_votes_from_many_threads_are_all_kept(store):
    (a,) = make_assets(store, 1)
    users = [f"U{i}" for i in range(40)]
    barrier = threading.Barrier(len(users))

    def vote(user):
        barrier.wait()
        votes.toggle_vote(store, a, user)

    threads = [threading.Thread(target=vote, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(votes.tally(store, [a]).voters[a]) == sorted(users)
