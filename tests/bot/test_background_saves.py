import threading

import pytest

from bot.store.assets import BackgroundSaves


def test_saves_run_side_by_side_off_the_calling_thread_and_are_all_done_at_exit():
    done: list[tuple[int, str]] = []
    caller = threading.current_thread().name
    together = threading.Barrier(2, timeout=30)  # passes only if two saves run at once
    gate = threading.Event()
    with BackgroundSaves(threads=2) as saves:
        for i in range(3):

            def save(i=i):
                if i < 2:
                    together.wait()
                gate.wait(30)
                done.append((i, threading.current_thread().name))

            saves.submit(save)
        assert done == [], "the caller did not wait for the saves"
        gate.set()
    assert sorted(i for i, _ in done) == [0, 1, 2]
    assert all(name != caller for _, name in done)
    assert len({name for _, name in done}) == 2, "two threads encoded side by side"


def test_a_failed_save_fails_the_job_but_a_failing_render_keeps_its_own_error():
    with pytest.raises(OSError, match="disk full"), BackgroundSaves() as saves:
        saves.submit(lambda: (_ for _ in ()).throw(OSError("disk full")))
    kept: list[int] = []
    with pytest.raises(KeyboardInterrupt), BackgroundSaves() as saves:
        saves.submit(lambda: kept.append(1))
        raise KeyboardInterrupt
    assert kept == [1], "what was made before the interruption is still saved"
