import threading
import time

from bot.slack.coalesce import Coalescer


def test_a_burst_becomes_one_edit_now_and_one_trailing_edit_with_the_last_state():
    state = {"value": 0}
    shown: list[tuple[float, int]] = []
    coalescer = Coalescer(0.2)

    def render():
        shown.append((time.monotonic(), state["value"]))

    for value in range(1, 11):
        state["value"] = value
        coalescer.request("m", render)
    time.sleep(0.4)
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
