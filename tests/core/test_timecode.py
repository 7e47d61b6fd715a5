"""Frame-accurate timecode: frames counted at the true rate, drop-frame at 29.97 and 59.94."""
from __future__ import annotations

import pytest

from foley_studio.errors import SelectionError
from foley_studio.timeline import (frame_index, frame_start, frames_to_timecode, is_drop_frame_rate,
                                   parse_timecode, snap_to_frame, timecode)

NTSC = 30000 / 1001


def test_one_hour_at_29_97_drop_frame_has_no_drift() -> None:
    """Every frame of an hour labels and parses back to itself, and the hour ends on the clock."""
    frames = round(3600 * NTSC)  # 107892 frames in one hour of 29.97 picture
    assert frames == 107892
    labels = set()
    for n in range(frames + 1):
        label = timecode(n / NTSC, NTSC)
        assert frame_index(parse_timecode(label, NTSC), NTSC) == n
        labels.add(label)
    assert len(labels) == frames + 1  # no label used twice
    assert timecode(3600.0, NTSC) == "01:00:00;00"
    assert timecode(3600.0, NTSC, drop=False) == "00:59:56:12"  # non-drop lags 3.6 s an hour


def test_drop_frame_skips_two_labels_each_minute_but_every_tenth() -> None:
    assert [frames_to_timecode(n, NTSC) for n in (1799, 1800)] == ["00:00:59;29", "00:01:00;02"]
    assert frames_to_timecode(17982, NTSC) == "00:10:00;00"  # minute ten keeps its 00 and 01
    assert frames_to_timecode(3599, 60000 / 1001) == "00:00:59;59"
    assert frames_to_timecode(3600, 60000 / 1001) == "00:01:00;04"
    assert timecode(3600.0, 60000 / 1001) == "01:00:00;00"
    with pytest.raises(SelectionError, match="skipped"):
        parse_timecode("00:01:00;01", NTSC)
    with pytest.raises(SelectionError, match="only at 29.97"):
        timecode(1.0, 25.0, drop=True)


def test_displayed_timecode_equals_the_snapped_time() -> None:
    """A take at 1.0122 s used to show as 00:00:01:00; snapped, the label is the stored time."""
    for fps in (24000 / 1001, 24.0, 25.0, NTSC, 50.0, 60000 / 1001):
        for t in (0.0, 1.0122, 7.49, 59.97, 600.01, 3599.99):
            snapped = snap_to_frame(t, fps)
            assert abs(snapped - t) <= 0.5 / fps + 1e-9
            assert parse_timecode(timecode(snapped, fps), fps) == pytest.approx(snapped, abs=1e-9)
    assert timecode(snap_to_frame(1.0122, 25.0), 25.0) == "00:00:01:00"
    assert snap_to_frame(1.0122, 25.0) == 1.0
    assert frame_start(1.0399, 25.0) == 1.0 and frame_start(1.04, 25.0) == 1.04


def test_non_drop_rates_and_bad_input() -> None:
    assert is_drop_frame_rate(29.97) and is_drop_frame_rate(59.94) and not is_drop_frame_rate(30.0)
    assert timecode(10.0, 24000 / 1001) == "00:00:09:23"  # 23.976 counts frames, never drops
    assert parse_timecode("00:00:09:23", 24000 / 1001) == pytest.approx(239 * 1001 / 24000)
    for bad in ("00:00:01:25", "00:61:00:00", "1 s"):
        with pytest.raises(SelectionError):
            parse_timecode(bad, 25.0)
    with pytest.raises(SelectionError, match="frame rate"):
        timecode(1.0, 0.0)


def test_a_clock_labels_the_timeline_from_the_start_timecode() -> None:
    from foley_studio.timeline import Clock

    df = Clock(NTSC, "01:00:00;00")
    assert (df.first_frame, df.drop) == (107892, True)
    assert df.start_seconds == pytest.approx(3599.9964)
    assert [df.label(n / NTSC) for n in (0, 1800, 107892)] == \
        ["01:00:00;00", "01:01:00;02", "02:00:00;00"]
    for n in range(0, 107893, 997):  # labels and typed timecode agree frame for frame
        assert frame_index(df.seconds(df.label(n / NTSC)), NTSC) == n
    ndf = Clock(NTSC, "01:00:00:00")  # a 29.97 picture may count non-drop
    assert (ndf.drop, ndf.start_seconds, ndf.label(60.06)) == (False, 3603.6, "01:01:00:00")
    pal = Clock(25.0, "10:00:00:00")
    assert (pal.label(1.0), pal.seconds("10:00:01:00"), pal.start_seconds) == ("10:00:01:00", 1.0, 36000.0)
    assert Clock(NTSC).label(60.06) == "00:01:00;02"  # no start timecode: as timecode() labels


@pytest.mark.parametrize("start, fps, match", [
    ("01:00:00;00", 25.0, "only at 29.97 and 59.94"), ("1:00", 25.0, "not a start timecode"),
    ("01:00:00.5", 25.0, "not a start timecode"), ("01:00:00:25", 25.0, "frames to 24"),
    ("00:01:00;00", NTSC, "does not exist in drop-frame")])
def test_a_clock_refuses_a_start_that_is_no_timecode_at_its_rate(start: str, fps: float, match: str) -> None:
    from foley_studio.timeline import Clock

    with pytest.raises(SelectionError, match=match):
        Clock(fps, start)


def test_a_typed_timecode_before_the_first_frame_is_refused() -> None:
    from foley_studio.timeline import Clock

    with pytest.raises(SelectionError, match="before the picture's first frame"):
        Clock(25.0, "01:00:00:00").seconds("00:59:59:24")
