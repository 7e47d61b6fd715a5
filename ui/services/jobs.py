"""One worker thread for heavy jobs, with progress, cancel and completion callbacks.

A job is a plain function ``fn(progress, cancel) -> result``. :class:`JobService` runs jobs one
at a time on a ``ThreadPoolExecutor(max_workers=1)`` (one model in memory and one accelerator,
so parallel jobs would only fight). Callbacks fire on the worker thread; the Qt layer hops them
onto the GUI thread. Progress is throttled to whole per-mille steps so the event queue never
floods.
"""
from __future__ import annotations

import enum
import itertools
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from foley_studio.errors import Cancelled
from foley_studio.progress import CancelToken, ProgressFn
from ui.model.events import Signal

JobFn = Callable[[ProgressFn, CancelToken], Any]
_ids = itertools.count(1)


class JobState(enum.Enum):
    """Where a job is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass
class Job:
    """A submitted job; ``progress`` runs from 0 to 1."""

    title: str
    fn: JobFn
    id: int = field(default_factory=lambda: next(_ids))
    state: JobState = JobState.QUEUED
    progress: float = 0.0
    result: Any = None
    error: Optional[BaseException] = None
    cancel_token: CancelToken = field(default_factory=CancelToken)
    future: Optional[Future] = None
    estimate: Any = None  # a foley_studio.estimate.JobEstimate once the job announced one
    started: Optional[float] = None  # time.monotonic() when it began running

    def remaining_s(self, now: Optional[float] = None) -> Optional[float]:
        """Seconds left: the estimate at the start, then the pace so far (progress is in
        estimated seconds of work, so both agree while the machine keeps its calibrated pace)."""
        if self.estimate is None or self.started is None or self.finished:
            return None
        elapsed = (time.monotonic() if now is None else now) - self.started
        if self.progress < 0.02:
            return max(0.0, self.estimate.total_s - elapsed)
        return elapsed * (1.0 - self.progress) / self.progress

    @property
    def finished(self) -> bool:
        """Whether the job has ended, for good or ill."""
        return self.state in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)

    def cancel(self) -> None:
        """Ask the job to stop at its next check (a queued job never starts)."""
        self.cancel_token.cancel()


class JobService:
    """Runs jobs in order on one worker; ``job_changed(job)`` fires on state or progress change."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="foley-job")
        self._lock = threading.Lock()
        self.jobs: list[Job] = []
        self.job_changed = Signal()

    def submit(self, title: str, fn: JobFn) -> Job:
        """Queue ``fn`` and return its :class:`Job` at once."""
        job = Job(title, fn)
        with self._lock:
            self.jobs.append(job)
        job.future = self._executor.submit(self._run, job)
        self.job_changed.emit(job)
        return job

    @property
    def busy(self) -> bool:
        """Whether a job is queued or running."""
        with self._lock:
            return any(not j.finished for j in self.jobs)

    def cancel_all(self) -> None:
        """Cancel every job that has not finished."""
        with self._lock:
            pending = [j for j in self.jobs if not j.finished]
        for job in pending:
            job.cancel()

    def shutdown(self, wait: bool = True) -> None:
        """Cancel what is pending and stop the worker."""
        self.cancel_all()
        self._executor.shutdown(wait=wait)

    def _run(self, job: Job) -> Any:
        outcome = self._outcome(job)
        with self._lock:
            self.jobs = [j for j in self.jobs if j is not job]
        self._set(job, **outcome)
        return job.result

    def _outcome(self, job: Job) -> dict[str, Any]:
        try:
            job.cancel_token.raise_if_set()
            self._set(job, state=JobState.RUNNING, started=time.monotonic())
            result = job.fn(self._progress_for(job), job.cancel_token)
            job.cancel_token.raise_if_set()
            return {"result": result, "progress": 1.0, "state": JobState.DONE}
        except Cancelled as exc:
            return {"error": exc, "state": JobState.CANCELLED}
        except BaseException as exc:  # noqa: BLE001 - reported to the user, never lost
            return {"error": exc, "state": JobState.FAILED}

    def _progress_for(self, job: Job) -> ProgressFn:
        def progress(done: int, total: int) -> None:
            plan = job.estimate
            if plan is not None and plan.total_s > 0:  # the fraction of estimated seconds
                value = plan.elapsed_at(done, total) / plan.total_s
            else:
                value = done / total if total else 1.0
            value = min(max(value, 0.0), 1.0)
            if int(value * 1000) != int(job.progress * 1000):
                self._set(job, progress=value)
            job.cancel_token.raise_if_set()
        progress.estimate = lambda plan: self._set(job, estimate=plan)  # see estimate.announce
        return progress

    def _set(self, job: Job, **changes: Any) -> None:
        for name, value in changes.items():
            setattr(job, name, value)
        self.job_changed.emit(job)
