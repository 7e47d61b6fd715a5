"""A job that announces an estimate reports progress in estimated seconds, and says how long is left."""
from __future__ import annotations

import threading

import pytest

from foley_studio.estimate import JobEstimate, Stage, announce
from ui.services.jobs import JobService


@pytest.fixture
def jobs():
    service = JobService()
    yield service
    service.shutdown()


def test_progress_follows_the_estimate_and_time_left_starts_at_it(jobs):
    plan = JobEstimate([Stage("LOW", 10, 0.9), Stage("UP", 90, 0.001)])  # LOW is most of the time
    seen, submitted = {}, threading.Event()

    def run(progress, cancel):
        submitted.wait(5)
        announce(progress, plan)
        seen["left"] = job.remaining_s()
        progress(10, 100)  # LOW done: 10 % of the steps but 99 % of the estimated time
        seen["progress"] = job.progress
        return "ok"

    job = jobs.submit("takes", run)
    submitted.set()
    job.future.result(5)
    assert job.estimate is plan
    assert seen["left"] == pytest.approx(plan.total_s, abs=0.5)
    assert seen["progress"] == pytest.approx(9.0 / plan.total_s, abs=1e-3)
    assert job.remaining_s() is None  # finished


def test_a_job_without_estimate_keeps_plain_progress(jobs):
    submitted = threading.Event()

    def run(progress, cancel):
        submitted.wait(5)
        announce(progress, None)
        progress(1, 4)
        return job.progress

    job = jobs.submit("plain", run)
    submitted.set()
    assert job.future.result(5) == pytest.approx(0.25)
    assert job.remaining_s() is None


@pytest.mark.qt
def test_generate_panel_shows_time_left(qtbot, jobs):
    from ui.model.settings import AppSettings
    from ui.qt.qt_generate_panel import QtGeneratePanel
    from ui.services.catalog import GeneratorCatalog

    panel = QtGeneratePanel(GeneratorCatalog(), AppSettings())
    qtbot.addWidget(panel)
    plan = JobEstimate([Stage("LOW", 10, 20.0)])
    job = jobs.submit("takes", lambda progress, cancel: announce(progress, plan) or threading.Event().wait(0.2))
    qtbot.waitUntil(lambda: job.estimate is not None)
    panel.show_job(job)
    assert "left (estimated about 3 min 20 s)" in panel.eta.text()
    job.future.result(5)
    panel.show_job(job)
    assert panel.eta.text() == ""


@pytest.mark.parametrize("kind", ["takes", "storyboard"])
def test_echoes_jobs_announce_their_estimate_and_end_on_it(jobs, world_clip, catalog, kind):
    from ui.model.project import Project, VideoInfo
    from ui.model.selection import Selection
    from ui.services.generation import GenerateOptions, storyboard_job, takes_job

    project = Project()
    project.set_video(VideoInfo(str(world_clip), 25.0, 4.0))
    project.set_selection(Selection(0.0, 2.0))
    opts = GenerateOptions(generator="echoes-tiny", takes=1, window=1.0)
    job = jobs.submit(kind, (takes_job if kind == "takes" else storyboard_job)(project, opts, catalog))
    job.future.result(60)
    assert job.estimate is not None and job.estimate.stages[0].name == "unmask"
    assert job.progress == pytest.approx(1.0)  # the job's last step is the estimate's last
