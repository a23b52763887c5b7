"""The rate budget: token buckets on a fake clock, and the coalescer and client that obey it."""

from __future__ import annotations

import itertools
import threading
import time

from bot.config import Settings
from bot.playground.slack_api import SlackImitation
from bot.slack.client import make_client
from bot.slack.coalesce import Coalescer
from bot.slack.edits import MessageEdits
from bot.slack.rate_budget import LISTENER_THREAD_PREFIX, Rate, RateBudget


class FakeClock:
    """Time that moves only when a test (or the budget's sleep) moves it."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _wait_until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.01)


def test_the_burst_goes_at_once_then_each_reservation_comes_due_a_token_later():
    clock = FakeClock()
    budget = RateBudget({"chat.update": Rate(50 / 60, 5)}, clock=clock)
    assert [budget.reserve("chat.update") for _ in range(5)] == [0.0] * 5
    waits = [budget.reserve("chat.update") for _ in range(2)]
    assert [round(w, 6) for w in waits] == [1.2, 2.4], "50 a minute: one token every 1.2 s"
    clock.now += 2.4
    assert round(budget.reserve("chat.update"), 6) == 1.2, "the debt was paid back, no more"
    assert budget.counts.sent["chat.update"] == 8 and budget.counts.deferred["chat.update"] == 3


def test_in_any_minute_edits_never_exceed_the_burst_plus_the_rate():
    """A message edited every 0.1 s for five minutes, sent the way the coalescer sends it: one
    reservation at a time, the edit going out when its token is due."""
    clock = FakeClock()
    budget = RateBudget({"chat.update": Rate(50 / 60, 5)}, clock=clock)
    sent: list[float] = []
    due = None
    for _ in range(3000):
        if due is None:
            due = clock.now + budget.reserve("chat.update")
        if clock.now >= due - 1e-9:
            sent.append(clock.now)
            due = None
        clock.now += 0.1
    for start in sent:
        in_window = [t for t in sent if start <= t < start + 60]
        assert len(in_window) <= 5 + 50
    assert 5 * 50 <= len(sent) <= 5 * 50 + 5 + 1, "the budget is used, not wasted"


def test_posts_reserve_turns_in_order_per_channel_and_channels_are_independent():
    clock = FakeClock()
    budget = RateBudget(per_channel={"chat.postMessage": Rate(1.0, 3)}, clock=clock)
    waits = [budget.reserve("chat.postMessage", "C1") for _ in range(6)]
    assert waits == [0.0, 0.0, 0.0, 1.0, 2.0, 3.0], "each post after the burst is a second later"
    assert budget.reserve("chat.postMessage", "C2") == 0.0, "another channel has its own bucket"
    assert budget.reserve("chat.postEphemeral", "C1") == 0.0, "methods are kept apart"
    assert budget.reserve("chat.update", "C1") == 0.0, "a method without a rate is free"


def test_a_post_waits_its_turn_but_never_longer_than_the_bound():
    clock = FakeClock()
    budget = RateBudget(
        per_channel={"chat.postMessage": Rate(0.1, 1)}, clock=clock, sleep=clock.sleep
    )
    assert budget.wait_turn("chat.postMessage", "C1", max_wait=30) == 0.0
    assert budget.wait_turn("chat.postMessage", "C1", max_wait=30) == 10.0
    assert budget.wait_turn("chat.postMessage", "C1", max_wait=0) == 0.0, "a listener never waits"
    assert budget.wait_turn("chat.postMessage", "C1", max_wait=5) == 5.0, "bounded"
    assert clock.slept == [10.0, 5.0]


def test_the_budget_comes_from_the_settings():
    budget = RateBudget.from_settings(Settings(edit_rate_per_min=30, edit_burst=2, post_burst=4))
    assert budget.methods["chat.update"] == Rate(0.5, 2)
    assert budget.per_channel["chat.postMessage"] == Rate(1.0, 4)
    assert budget.per_channel["chat.postEphemeral"] == Rate(1.0, 4)
    assert not RateBudget.from_settings(Settings(edit_rate_per_min=0)).governs("chat.update")


def test_concurrent_callers_never_spend_one_token_twice():
    budget = RateBudget({"chat.update": Rate(0.001, 10)})
    barrier = threading.Barrier(20)
    got = []

    def take():
        barrier.wait()
        got.append(budget.reserve("chat.update") == 0.0)

    threads = [threading.Thread(target=take) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert got.count(True) == 10


def test_the_coalescer_defers_edits_past_the_budget_in_order_and_sends_the_last_state():
    # One token now, then one every 0.5 s: far longer than the loop below takes.
    budget = RateBudget({"chat.update": Rate(2.0, 1)})
    coalescer = Coalescer(0.0, budget=budget)
    state = {"value": 0}
    shown: list[tuple[str, int, float]] = []

    for key in ("a", "b", "c"):
        for value in range(1, 4):
            state["value"] = value
            coalescer.request(
                key, lambda k=key: shown.append((k, state["value"], time.monotonic()))
            )
    _wait_until(lambda: len(shown) == 4)
    assert shown[0][:2] == ("a", 1), "the first edit goes at once"
    assert sorted(k for k, _, _ in shown[1:]) == ["a", "b", "c"], "one trailing edit each"
    assert all(v == 3 for _, v, _ in shown[1:]), "what lands is the last state"
    spans = [b[2] - a[2] for a, b in itertools.pairwise(shown)]
    # Each token is due 0.5 s after the one before; a timer may fire late, never early.
    assert shown[-1][2] - shown[0][2] >= 1.5 - 0.01, spans
    assert budget.counts.deferred["chat.update"] == 3
    assert coalescer.pending() == 0


def test_flush_sends_what_the_budget_deferred_at_once():
    budget = RateBudget({"chat.update": Rate(0.001, 1)})  # the next token is ~17 minutes away
    coalescer = Coalescer(0.0, budget=budget)
    shown = []
    coalescer.request("a", lambda: shown.append("a"))
    coalescer.request("b", lambda: shown.append("b"))
    assert shown == ["a"] and coalescer.pending() == 1
    assert coalescer.flush() == 1
    assert shown == ["a", "b"] and coalescer.pending() == 0


class RecordingClient:
    def __init__(self, fail_first: int = 0) -> None:
        self.updates: list[dict] = []
        self.fail_first = fail_first

    def chat_update(self, **kwargs):
        if self.fail_first:
            self.fail_first -= 1
            raise ConnectionResetError("dropped")
        self.updates.append(kwargs)


def test_status_edits_merge_to_the_latest_content_and_a_dropped_one_is_sent_again():
    client = RecordingClient(fail_first=1)
    edits = MessageEdits(client, 0.05, RateBudget({"chat.update": Rate(5.0, 1)}))
    for step in range(1, 5):
        edits.update("C1", "1.0", text=f"step {step} of 4")
    _wait_until(lambda: client.updates and client.updates[-1]["text"] == "step 4 of 4")
    assert [u["text"] for u in client.updates] == ["step 4 of 4"], (
        "the first edit was dropped and retried, by then merged with the later ones"
    )
    assert edits.pending() == 0


def test_a_post_on_a_listener_thread_never_waits_but_one_on_the_bots_threads_does():
    with SlackImitation() as slack:
        _post_three(slack)
    assert [m["text"] for m in slack.messages("C1")] == ["one", "two", "three"]


def _post_three(slack: SlackImitation) -> None:
    settings = Settings(slack_bot_token=slack.bot_token, slack_api_url=slack.base_url, post_burst=1)
    clock = FakeClock()
    budget = RateBudget.from_settings(settings)
    budget.clock, budget.sleep = clock, clock.sleep
    client = make_client(settings, budget)
    client.chat_postMessage(channel="C1", text="one")

    def on_listener():
        client.chat_postMessage(channel="C1", text="two")

    listener = threading.Thread(target=on_listener, name=f"{LISTENER_THREAD_PREFIX}_0")
    listener.start()
    listener.join()
    assert clock.slept == [], "the listener thread did not wait"
    client.chat_postMessage(channel="C1", text="three")
    assert clock.slept == [2.0], "the bot's thread waits its turn, behind the listener's post"


def test_the_imitation_answers_edits_past_its_limit_with_429_and_retry_after():
    """The limit the handler tests keep under is real: past its burst, chat.update is 429."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    with SlackImitation(update_rate_limit_per_min=1, update_rate_burst=2) as slack:
        client = WebClient(token=slack.bot_token, base_url=slack.base_url)  # no retry handlers
        ts = client.chat_postMessage(channel="C1", text="v1")["ts"]
        client.chat_update(channel="C1", ts=ts, text="v2")
        client.chat_update(channel="C1", ts=ts, text="v3")
        try:
            client.chat_update(channel="C1", ts=ts, text="v4")
        except SlackApiError as exc:
            assert exc.response.status_code == 429
            assert int(exc.response.headers["Retry-After"]) >= 1
        else:
            raise AssertionError("the third edit in a burst of two was accepted")
        assert slack.message("C1", ts)["text"] == "v3"


def test_a_429_the_budget_let_through_holds_the_channel_and_the_retry_waits_its_turn():
    from slack_sdk.http_retry.request import HttpRequest
    from slack_sdk.http_retry.response import HttpResponse
    from slack_sdk.http_retry.state import RetryState

    from bot.slack.client import BudgetedRateLimitRetryHandler

    clock = FakeClock()
    budget = RateBudget(
        per_channel={"chat.postMessage": Rate(10.0, 10)}, clock=clock, sleep=clock.sleep
    )
    handler = BudgetedRateLimitRetryHandler(budget, max_retry_count=3)
    request = HttpRequest(
        method="POST",
        url="https://slack.com/api/chat.postMessage",
        headers={},
        data=b'{"channel": "C1", "text": "hi"}',
    )
    refused = HttpResponse(status_code=429, headers={"Retry-After": ["2"]}, data=b"{}")
    state = RetryState()
    assert handler.can_retry(state=state, request=request, response=refused)
    handler.prepare_for_next_attempt(state=state, request=request, response=refused)
    assert state.current_attempt == 1 and state.next_attempt_requested
    assert clock.slept == [2.0], "the retry waited out Retry-After (its token was due then)"
    # The post queued behind it in C1 waits for the next token instead of meeting a 429 too.
    assert round(budget.reserve("chat.postMessage", "C1"), 6) == 0.1
    assert budget.reserve("chat.postMessage", "C2") == 0.0, "other channels are not held"


def test_stopping_flushes_the_tracked_tally_edits_with_the_status_edits():
    client = RecordingClient()
    budget = RateBudget({"chat.update": Rate(0.001, 1)})  # one token, then none for minutes
    edits = MessageEdits(client, 0.0, budget)
    tallies = edits.track(Coalescer(0.0, budget=budget))
    shown = []
    edits.update("C1", "1.0", text="Rendering")
    edits.update("C1", "1.0", text="Done")
    tallies.request("C1:2.0", lambda: shown.append("2 votes"))
    assert [u["text"] for u in client.updates] == ["Rendering"] and shown == []
    assert edits.flush() == 2
    assert [u["text"] for u in client.updates] == ["Rendering", "Done"] and shown == ["2 votes"]
