import threading

from bot.slack.outbox import Outbox


def test_calls_run_in_order_and_progress_coalesces():
    outbox = Outbox()
    gate = threading.Event()
    seen: list[str] = []
    outbox.submit(gate.wait)  # hold the thread so the next calls queue up
    outbox.submit(lambda: seen.append("started"))
    for step in range(1, 6):
        outbox.submit(lambda step=step: seen.append(f"step {step}"), key=("progress", 1))
    outbox.submit(lambda: seen.append("done"))
    gate.set()
    assert outbox.drain(5)
    assert seen == ["started", "step 5", "done"], "newest progress only, still before done"
    outbox.close()


def test_a_failing_call_does_not_stop_the_rest_and_close_runs_what_is_queued():
    outbox = Outbox()
    seen: list[int] = []
    outbox.submit(lambda: 1 / 0)
    outbox.submit(lambda: seen.append(1))
    outbox.close()
    assert seen == [1]
