import threading
import time

import pytest

from bot.store.assets import BackgroundSaves


def test_saves_run_in_order_off_the_calling_thread_and_are_all_done_at_exit():
    done: list[tuple[int, str]] = []
    caller = threading.current_thread().name
    with BackgroundSaves() as saves:
        for i in range(3):
            saves.submit(
                lambda i=i: (time.sleep(0.02), done.append((i, threading.current_thread().name)))
            )
        assert len(done) < 3, "the caller did not wait for the saves"
    assert [i for i, _ in done] == [0, 1, 2]
    assert all(name != caller for _, name in done)


def test_a_failed_save_fails_the_job_but_a_failing_render_keeps_its_own_error():
    with pytest.raises(OSError, match="disk full"), BackgroundSaves() as saves:
        saves.submit(lambda: (_ for _ in ()).throw(OSError("disk full")))
    kept: list[int] = []
    with pytest.raises(KeyboardInterrupt), BackgroundSaves() as saves:
        saves.submit(lambda: kept.append(1))
        raise KeyboardInterrupt
    assert kept == [1], "what was made before the interruption is still saved"
