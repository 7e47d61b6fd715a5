"""The single-worker job queue: order, progress, cancel, failure."""
from __future__ import annotations

import threading

import pytest

from foley_studio.errors import Cancelled, ConfigError
from ui.services.jobs import JobService, JobState


@pytest.fixture
def jobs():
    service = JobService()
    yield service
    service.shutdown()


def test_jobs_run_one_at_a_time_in_order(jobs: JobService) -> None:
    running, seen, peak = [0], [], [0]
    lock = threading.Lock()

    def make(n: int):
        def run(progress, cancel):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            seen.append(n)
            with lock:
                running[0] -= 1
            return n * 10
        return run

    submitted = [jobs.submit(f"job {n}", make(n)) for n in range(4)]
    assert [j.future.result(timeout=10) for j in submitted] == [0, 10, 20, 30]
    assert seen == [0, 1, 2, 3] and peak[0] == 1
    assert all(j.state is JobState.DONE and j.progress == 1.0 for j in submitted)
    assert not jobs.busy


def test_progress_is_throttled_and_reported(jobs: JobService) -> None:
    values: list[float] = []
    jobs.job_changed.connect(lambda job: values.append(job.progress))

    def run(progress, cancel):
        for i in range(10_001):
            progress(i, 10_000)

    jobs.submit("fine-grained", run).future.result(timeout=10)
    assert 900 <= len(values) <= 1010 and values == sorted(values) and values[-1] == 1.0


def test_cancel_stops_a_running_job(jobs: JobService) -> None:
    started = threading.Event()

    def run(progress, cancel):
        started.set()
        while True:
            cancel.raise_if_set()

    job = jobs.submit("endless", run)
    assert started.wait(10)
    job.cancel()
    job.future.result(timeout=10)
    assert job.state is JobState.CANCELLED and isinstance(job.error, Cancelled)


def test_failure_is_kept_not_raised(jobs: JobService) -> None:
    def run(progress, cancel):
        raise ConfigError("bad value")

    job = jobs.submit("broken", run)
    job.future.result(timeout=10)
    assert job.state is JobState.FAILED and str(job.error) == "bad value"
    assert jobs.submit("next", lambda p, c: 5).future.result(timeout=10) == 5
