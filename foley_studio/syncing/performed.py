"""Hits a user performs: taps on a key while the region plays, or a vocal imitation.

**Taps.** The region plays from ``region_start`` at ``playback_rate`` (1 = real time, 0.5 =
half speed) and the user taps along with what they see and hear. A sound written to the
output at wall-clock ``w`` after playback began is heard ``output_latency`` seconds later
(the latency sounddevice reports for the stream), so a tap at ``w`` answers the picture and
sound of media time ``region_start + (w − output_latency) × playback_rate``. ``tap_offset``
is a further per-user correction (people tap a little early).

**Voice.** A vocal imitation ("tk … tk … boom") recorded while the region plays, or imported:
its onsets (the evaluation's onset detector, with a longer minimum gap and a noise gate for a
microphone) become hits, each as strong as its loudest 50 ms relative to the loudest one, and
its RMS over 10-ms frames becomes the intensity envelope (0 dB = the loudest frame).

sounddevice is imported only by :func:`record_voice` and :func:`output_latency`.
"""
from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import numpy as np

from foley_studio.errors import ConfigError, MediaError
from foley_studio.sync import SILENCE_DB, Envelope, Hit, SyncTrack
from foley_studio.sync import _finite  # the same check and message as the track's own

ENVELOPE_RATE = 100.0  # frames per second of a voiced envelope
VOICE_GATE_DB = -35.0  # a voiced onset quieter than this below the loudest frame is noise
ONSET_RATE = 16000  # a voice's onsets are found at this rate (memory stays small)
MAX_RECORD_S = 120.0


def hits_from_taps(tap_times: Sequence[float], *, playback_rate: float = 1.0,
                   output_latency: float = 0.0, region_start: float = 0.0,
                   region_end: Optional[float] = None, tap_offset: float = 0.0) -> SyncTrack:
    """A performed track from key-press times (seconds since playback of the region began)."""
    if not 0.05 <= _finite(playback_rate, "The playback rate") <= 4.0:
        raise ConfigError(f"Playback rate must lie in [0.05, 4] (got {playback_rate}); "
                          "use 1 for real time or 0.5 for half speed.")
    if not 0.0 <= _finite(output_latency, "The output latency") < 2.0:
        raise ConfigError(f"Output latency must lie in [0, 2) s (got {output_latency}); "
                          "pass the latency the audio stream reports.")
    times = [region_start + (_finite(w, "A tap time") - output_latency - tap_offset) * playback_rate
             for w in tap_times]
    end = math.inf if region_end is None else region_end
    return SyncTrack.from_times([t for t in times if region_start <= t < end], source="performed")


def hits_from_voice(audio: np.ndarray, sample_rate: int, region_start: float = 0.0) -> SyncTrack:
    """A voiced track from a mono vocal imitation ``(S,)`` that starts at ``region_start``."""
    from foley_studio.evaluation.onsets import OnsetConfig, detect_onsets
    from foley_studio.media.audio import resample

    x = np.asarray(audio, np.float64)
    if x.ndim != 1 or not 0.1 <= len(x) / sample_rate <= MAX_RECORD_S:
        raise ConfigError(f"A vocal imitation must be mono and 0.1–{MAX_RECORD_S:.0f} s long (got "
                          f"shape {x.shape} at {sample_rate} Hz); record or import one region's worth.")
    if not np.isfinite(x).all() or not np.abs(x).max() > 0:
        raise ConfigError("The recording is silent or damaged; record the imitation again.")
    db, rate = rms_db(x, sample_rate)  # (N,)
    onsets = detect_onsets(resample(x, sample_rate, ONSET_RATE), ONSET_RATE,
                           OnsetConfig(min_gap_s=0.08, delta_db=4.0))
    loud = [(t, _peak_after(db, rate, t)) for t in onsets]
    hits = tuple(Hit(region_start + t, float(10 ** (level / 20))) for t, level in loud
                 if level >= VOICE_GATE_DB)
    return SyncTrack(hits, Envelope(region_start, rate, tuple(db.tolist())), "voiced")


def rms_db(x: np.ndarray, sample_rate: int) -> tuple[np.ndarray, float]:
    """RMS over 20-ms windows every 10 ms, in dB under the loudest frame ``(N,)``, and the rate."""
    hop = max(1, int(round(sample_rate / ENVELOPE_RATE)))
    frames = len(x) // hop
    energy = np.concatenate([[0.0], np.cumsum(np.pad(x, (hop // 2, hop + hop // 2)) ** 2)])
    first = hop * np.arange(frames)  # (N,) each window: 2 hops centred on its frame
    rms = np.sqrt(np.maximum(energy[first + 2 * hop] - energy[first], 0.0) / (2 * hop))
    db = 20 * np.log10(np.maximum(rms / rms.max(), 10 ** (SILENCE_DB / 20)))
    return db, sample_rate / hop


def _peak_after(db: np.ndarray, rate: float, t: float) -> float:
    i = int(t * rate)
    return float(db[i:i + max(1, int(0.05 * rate))].max(initial=SILENCE_DB))


def _sounddevice() -> Any:
    try:
        import sounddevice
    except (ImportError, OSError) as exc:
        raise MediaError(f"Audio devices are unavailable ({exc}); install PortAudio, or import "
                         "a recording of the imitation instead.") from exc
    return sounddevice


def record_voice(seconds: float, sample_rate: int = 48000, *, device: Any = None) -> np.ndarray:
    """Record ``seconds`` of mono sound from the microphone: ``(S,)`` float32 (blocks)."""
    if not 0 < _finite(seconds, "The recording length") <= MAX_RECORD_S:
        raise ConfigError(f"Record between 0 and {MAX_RECORD_S:.0f} s (got {seconds}).")
    sd = _sounddevice()
    try:
        audio = sd.rec(int(round(seconds * sample_rate)), samplerate=sample_rate, channels=1,
                       dtype="float32", device=device)
        sd.wait()
    except sd.PortAudioError as exc:
        raise MediaError(f"No microphone could be opened ({exc}); connect one, choose it in "
                         "the settings, or import a recording instead.") from exc
    return np.asarray(audio, np.float32).reshape(-1)


def output_latency(stream: Any = None) -> float:
    """Seconds from writing a sample to hearing it: ``stream.latency`` for an open output
    stream, else the default output device's low-latency figure."""
    if stream is not None:
        latency = stream.latency
        return float(latency[-1] if isinstance(latency, (tuple, list)) else latency)
    sd = _sounddevice()
    try:
        return float(sd.query_devices(kind="output")["default_low_output_latency"])
    except (sd.PortAudioError, ValueError) as exc:
        raise MediaError(f"No audio output device was found ({exc}); connect one to tap "
                         "along with playback.") from exc
