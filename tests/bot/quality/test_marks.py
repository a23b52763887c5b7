"""Marks: one per person per asset, toggled and changed; reasons belong to rejects only."""

from __future__ import annotations

import pytest

from bot.quality.marks import REJECT, USABLE, marks_for, set_reason, toggle_mark
from bot.store.database import Store
from tests.bot.review_rows import draft_job


def test_marks_toggle_change_and_stay_one_per_person(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    _, (a1, a2) = draft_job(store)
    assert toggle_mark(store, a1, "U1", USABLE) == USABLE
    assert toggle_mark(store, a1, "U1", REJECT) == REJECT  # changed, not added
    assert set_reason(store, a1, "U1", "anatomy")
    assert toggle_mark(store, a1, "U2", USABLE) == USABLE
    assert toggle_mark(store, a2, "U1", USABLE) == USABLE
    assert toggle_mark(store, a2, "U1", USABLE) is None  # the same again takes it back
    found = marks_for(store, [a1, a2])
    assert [(m["user_id"], m["mark"], m["reason"]) for m in found[a1]] == [
        ("U1", "reject", "anatomy"),
        ("U2", "usable", None),
    ]
    assert a2 not in found
    assert toggle_mark(store, a1, "U1", USABLE) == USABLE
    assert marks_for(store, [a1])[a1][0]["reason"] is None, "a usable mark has no reason"


def test_reasons_need_a_reject_and_a_known_word(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    _, (a1, _) = draft_job(store)
    toggle_mark(store, a1, "U1", USABLE)
    assert not set_reason(store, a1, "U1", "artifact")
    assert not set_reason(store, a1, "U9", "artifact")
    with pytest.raises(ValueError, match="unknown reason 'ugly'"):
        set_reason(store, a1, "U1", "ugly")
    with pytest.raises(ValueError, match="unknown mark"):
        toggle_mark(store, a1, "U1", "maybe")
