"""Job events reach the hooks of the job they are about, and no other job's."""

from bot.jobs.events import JobEvents, JobHooks
from bot.jobs.rows import DONE, Job


def job(job_id: int) -> Job:
    return Job(id=job_id, kind="draft", status=DONE, params={"prompt": "p"})


def test_watched_hooks_hear_only_their_job_and_kind_hooks_the_rest():
    events = JobEvents()
    heard: list[tuple[str, int]] = []
    events.register(["draft"], JobHooks(on_done=lambda j, a: heard.append(("kind", j.id))))
    events.watch(2, JobHooks(on_done=lambda j, a: heard.append(("watch", j.id))))
    events.done(job(1), [])
    events.done(job(2), [])
    assert heard == [("kind", 1), ("watch", 2)]


def test_a_job_nobody_watches_is_not_handed_to_a_watcher():
    events = JobEvents()
    heard: list[int] = []
    events.watch(5, JobHooks(on_done=lambda j, a: heard.append(j.id)))
    events.done(job(4), [])
    assert heard == []
