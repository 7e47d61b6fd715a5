"""Inpaint splicing touches only the gap; the ring buffer and playback engine."""
from __future__ import annotations

import time

import numpy as np
import pytest

from foley_studio.errors import SelectionError
from ui.services.playback import PlaybackEngine, RingBuffer
from ui.services.splice import splice


def test_splice_changes_only_the_gap_with_equal_power_fades() -> None:
    original = np.full(1000, 0.5, np.float32)
    generated = np.full(1000, -0.5, np.float32)
    out = splice(original, generated, (300, 600), fade=50)
    np.testing.assert_array_equal(out[:300], original[:300])
    np.testing.assert_array_equal(out[600:], original[600:])
    np.testing.assert_array_equal(out[350:550], generated[350:550])
    assert out[300] == pytest.approx(0.5) and out[599] == pytest.approx(0.5, abs=0.02)
    assert np.all(np.diff(out[300:350]) <= 1e-6)  # a smooth fall into the new audio


def test_splice_pads_short_generation_and_rejects_bad_gaps() -> None:
    out = splice(np.ones(100, np.float32), np.zeros(40, np.float32), (20, 80), fade=0)
    assert out[50] == 0.0 and out[90] == 1.0
    with pytest.raises(SelectionError):
        splice(np.ones(100, np.float32), np.ones(100, np.float32), (80, 120), fade=0)


def test_ring_buffer_wraps_without_losing_samples() -> None:
    ring = RingBuffer(8)
    assert ring.write(np.arange(6, dtype=np.float32)) == 6
    out = np.empty(4, np.float32)
    assert ring.read_into(out) == 4 and out.tolist() == [0, 1, 2, 3]
    assert ring.write(np.arange(10, 20, dtype=np.float32)) == 6  # fills to capacity, across the end
    out = np.empty(10, np.float32)
    assert ring.read_into(out) == 8
    assert out.tolist() == [4, 5, 10, 11, 12, 13, 14, 15, 0, 0]


class _FakeStream:
    """A stream the test drives by hand: ``tick(n)`` runs one callback of n frames."""

    def __init__(self, callback, **kwargs) -> None:
        self.callback, self.active, self.kwargs = callback, False, kwargs

    def start(self) -> None:
        self.active = True

    def stop(self) -> None:
        self.active = False

    def close(self) -> None:
        self.active = False

    def tick(self, n: int) -> np.ndarray:
        out = np.empty((n, 1), np.float32)
        self.callback(out, n, None, None)
        return out[:, 0]


def test_engine_plays_loops_and_swaps_at_the_same_position() -> None:
    streams: list[_FakeStream] = []
    engine = PlaybackEngine(stream_factory=lambda **kw: streams.append(_FakeStream(**kw)) or streams[-1],
                            ring_seconds=0.25)
    a, b = np.arange(400, dtype=np.float32), -np.arange(400, dtype=np.float32)
    engine.play(a, 1000, loop=True)
    stream = streams[0]
    got = np.concatenate([stream.tick(100) for _ in range(2)])
    np.testing.assert_array_equal(got, a[:200])
    engine.pump()
    got = np.concatenate([(engine.pump(), stream.tick(100))[1] for _ in range(3)])
    np.testing.assert_array_equal(got, np.concatenate([a[200:400], a[:100]]))
    assert engine.position == pytest.approx(0.1)
    engine.swap(b)
    np.testing.assert_array_equal(stream.tick(50), b[100:150])
    engine.loop = False
    engine.play(a[:120], 1000)
    stream.tick(100)
    assert engine.playing
    stream.tick(100)
    assert not engine.playing and engine.played_samples == 120
    engine.pump()
    assert not stream.active


def test_engine_reaches_the_null_alsa_device(null_audio) -> None:
    engine = PlaybackEngine()
    audio = np.sin(np.linspace(0, 200, 8000)).astype(np.float32)
    engine.play(audio, 16000)
    deadline = time.monotonic() + 10
    while engine.playing and time.monotonic() < deadline:
        engine.pump()
        time.sleep(0.005)
    assert not engine.playing and engine.played_samples == len(audio)
    engine.close()
