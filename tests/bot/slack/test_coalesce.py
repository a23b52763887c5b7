import threading
import time

from bot.slack.coalesce import Coalescer


def _wait_until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.01)


def test_a_burst_becomes_one_edit_now_and_one_trailing_edit_with_the_last_state():
    state = {"value": 0}
    shown: list[tuple[float, int]] = []
    coalescer = Coalescer(0.2)

    def render():
        shown.append((time.monotonic(), state["value"]))

    for value in range(1, 11):
        state["value"] = value
        coalescer.request("m", render)
    _wait_until(lambda: len(shown) >= 2)
    time.sleep(0.3)  # room for a wrong third edit to show up
    assert [v for _, v in shown] == [1, 10], "the last change is never lost"
    assert shown[1][0] - shown[0][0] >= 0.19


def test_keys_are_independent_and_a_failing_edit_does_not_block_the_next():
    calls = []
    done = threading.Event()
    coalescer = Coalescer(0.1)

    def broken():
        raise RuntimeError("slack is down")

    coalescer.request("a", broken)
    coalescer.request("b", lambda: calls.append("b"))
    coalescer.request("a", lambda: (calls.append("a"), done.set()))
    assert done.wait(2)
    assert calls == ["b", "a"]


def test_a_slow_edit_pushes_the_trailing_one_a_full_interval_past_its_end():
    spans: list[tuple[float, float]] = []
    coalescer = Coalescer(0.2)

    sending = threading.Event()

    def slow():
        started = time.monotonic()
        sending.set()
        time.sleep(0.3)
        spans.append((started, time.monotonic()))

    def quick():
        spans.append((time.monotonic(), time.monotonic()))

    first = threading.Thread(target=coalescer.request, args=("m", slow))
    first.start()
    assert sending.wait(5)
    coalescer.request("m", quick)  # arrives while the slow edit is still being sent
    first.join()
    _wait_until(lambda: len(spans) == 2)
    (_, slow_end), (quick_start, _) = spans
    assert quick_start - slow_end >= 0.19, "edits arrive at least an interval apart"
