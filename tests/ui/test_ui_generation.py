"""Generation jobs with the tiny real generators on a procedural-world clip (no Qt)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from foley_studio import media
from foley_studio.errors import ConfigError, ModelUnavailableError, SelectionError
from foley_studio.progress import CancelToken
from ui.model.project import Project, VideoInfo
from ui.model.selection import Selection
from ui.services.generation import (GenerateOptions, build_request, original_audio,
                                    storyboard_job, takes_job)


@pytest.fixture
def project(world_clip: Path) -> Project:
    p = Project()
    p.set_video(VideoInfo(str(world_clip), 25.0, 4.0))
    return p


def _run(fn):
    calls: list[tuple[int, int]] = []
    return fn(lambda d, t: calls.append((d, t)), CancelToken()), calls


def test_requests_follow_the_selection(project: Project) -> None:
    opts = GenerateOptions(generator="g", still_seconds=1.5, context_seconds=0.5)
    with pytest.raises(SelectionError, match="Nothing is selected"):
        build_request(project, opts)
    project.set_selection(Selection.at_frame(2.0, 25.0, 4.0))
    req = build_request(project, opts, Path("/tmp/frame.png"))
    assert (req.source, req.start, req.end) == ("/tmp/frame.png", 2.0, 3.5)
    with pytest.raises(ConfigError, match="needs a region"):
        build_request(project, GenerateOptions(generator="g", mode="inpaint"))
    project.set_selection(Selection(0.2, 1.0))
    req = build_request(project, GenerateOptions(generator="g", mode="inpaint", context_seconds=0.5))
    assert (req.start, req.end, req.gap) == (0.0, 1.52, (0.2, 1.0))  # context widened to a frame
    with pytest.raises(ConfigError, match="No generator"):
        build_request(project, GenerateOptions())


def test_clicked_frame_is_what_the_generator_sees(project: Project, catalog, monkeypatch) -> None:
    seen = {}
    from foley_studio import api

    real = api.conditioning_for
    monkeypatch.setattr(api, "conditioning_for",
                        lambda req, gen: seen.setdefault("cond", real(req, gen)))
    project.set_selection(Selection.at_frame(1.0, 25.0, 4.0))
    fn = takes_job(project, GenerateOptions(generator="im2wav-tiny", takes=2, still_seconds=0.5), catalog)
    items, calls = _run(fn)
    with media.VideoClip(project.video.path) as clip:
        frame = clip.frame_at(1.0)
    np.testing.assert_array_equal(seen["cond"].frames[0], frame)
    assert len(items) == 2 and all(i.take.start == 1.0 for i in items)
    assert items[0].take.seed == 0 and items[1].take.seed == 1 and calls[-1][0] == calls[-1][1]


def test_inpaint_replaces_only_the_gap(project: Project, catalog) -> None:
    project.set_selection(Selection(1.0, 2.0))
    opts = GenerateOptions(mode="inpaint", generator="echoes-tiny", takes=1, context_seconds=0.5)
    (item,), _ = _run(takes_job(project, opts, catalog))
    t = item.take
    assert (t.start, item.gap) == (0.48, (1.0, 2.0))  # the context is widened to frames (25 fps)
    before = original_audio(project.video.path, t.sample_rate, 0.48, 2.52)
    gap = slice(round(0.52 * t.sample_rate), round(1.52 * t.sample_rate))
    np.testing.assert_array_equal(t.audio[:gap.start], before[:gap.start])
    np.testing.assert_array_equal(t.audio[gap.stop:], before[gap.stop:])
    assert not np.allclose(t.audio[gap], before[gap])


def test_storyboard_has_a_picture_per_window(project: Project, catalog) -> None:
    project.set_selection(Selection(0.0, 2.0))
    opts = GenerateOptions(generator="echoes-tiny", takes=2, window=1.0)
    board, _ = _run(storyboard_job(project, opts, catalog))
    assert board.frames.shape[:2] == (2, 2) and board.frames.dtype == np.uint8
    assert board.region == (0.0, 2.0)


def test_unsupported_mode_and_unknown_generator_fail_clearly(project: Project, catalog) -> None:
    project.set_selection(Selection(1.0, 2.0))
    fn = takes_job(project, GenerateOptions(mode="inpaint", generator="im2wav-tiny"), catalog)
    with pytest.raises(ConfigError, match="cannot inpaint"):
        _run(fn)
    with pytest.raises(ModelUnavailableError):
        catalog.load("nope")


def test_extend_continues_after_the_region(project: Project, catalog) -> None:
    project.set_selection(Selection(1.0, 2.0))
    opts = GenerateOptions(mode="extend", generator="echoes-tiny", takes=1, extend_seconds=1.0)
    (item,), _ = _run(takes_job(project, opts, catalog))
    assert item.take.start == 2.0 and item.region == (1.0, 3.0)
    assert item.take.duration == pytest.approx(1.0, abs=0.05)


def test_text_prompt_needs_no_video(catalog) -> None:
    opts = GenerateOptions(mode="text", generator="im2wav-tiny", takes=1, prompt="a door knock",
                           still_seconds=0.5)
    (item,), _ = _run(takes_job(Project(), opts, catalog))
    assert item.take.prompt == "a door knock" and item.take.start == 0.0
    assert item.take.duration == pytest.approx(0.5, abs=0.05)
    with pytest.raises(ConfigError, match="needs a prompt"):
        takes_job(Project(), GenerateOptions(mode="text", generator="im2wav-tiny"), catalog)


def test_a_prompt_goes_only_with_text_mode(project: Project) -> None:
    project.set_selection(Selection(0.2, 1.0))
    foley = build_request(project, GenerateOptions(generator="g", prompt="a bell"))
    assert foley.prompt is None  # the picture guides Foley; a stale prompt is neither used nor recorded
    text = build_request(project, GenerateOptions(generator="g", mode="text", prompt="a bell"))
    assert text.prompt == "a bell"
