"""The report: every metric the inputs allow, written as Markdown, JSON and PNG."""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from foley_studio.errors import ConfigError, ModelUnavailableError
from foley_studio.evaluation.report import (EvalModels, Reference, RunData, evaluate_runs,
                                            reference_from_items, world_models, write_report)
from foley_studio.evaluation.world_models import (WorldAudioModel, WorldAudioNet, WorldImageModel,
                                                  WorldImageNet)

RATE = 8000
FREQS = (300.0, 700.0, 1500.0)


class BandModel:
    """A test double: classifies by the loudest of three tone bands, embeds band energies."""

    classes = ("low", "mid", "high")

    def _bands(self, audio: np.ndarray, rate: int) -> np.ndarray:
        spec = np.abs(np.fft.rfft(audio, axis=1))
        freqs = np.fft.rfftfreq(audio.shape[1], 1 / rate)
        return np.stack([spec[:, np.abs(freqs - f) < 50].sum(1) for f in FREQS], 1) + 1e-3  # (N, 3)

    def predict_proba(self, audio: np.ndarray, rate: int) -> np.ndarray:
        b = np.log(self._bands(audio, rate))
        e = np.exp(b - b.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    def embed(self, audio: np.ndarray, rate: int) -> np.ndarray:
        return np.log(self._bands(audio, rate))


class FirstPixel:
    classes = BandModel.classes

    def predict_proba(self, frames: np.ndarray) -> np.ndarray:
        return np.eye(3)[frames[:, 0, 0, 0] % 3]

    def embed_images(self, frames: np.ndarray) -> np.ndarray:
        return np.eye(3)[frames[:, 0, 0, 0] % 3] + 0.1


def _clips(n: int, seed: int, tone: bool = True) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    t = np.arange(2 * RATE) / RATE
    labels, audio, events = np.arange(n) % 3, [], []
    for k in labels:
        ev = np.sort(rng.choice(np.arange(0.2, 1.8, 0.2), 3, replace=False))
        x = 0.3 * np.sin(2 * np.pi * FREQS[k] * t) * (1 + 0.1 * rng.normal()) if tone else np.zeros_like(t)
        for e in ev:
            x[int(e * RATE):] += 0.5 * np.exp(-(t[int(e * RATE):] - e) / 0.01) * rng.normal(size=len(t) - int(e * RATE))
        audio.append(x + rng.normal(0, 1e-3, len(t)))
        events.append(ev)
    return np.asarray(audio, np.float32), labels, events


@pytest.fixture
def table():
    audio, labels, events = _clips(12, 0)
    ids = [f"c{i}" for i in range(12)]
    ref = Reference(audio, RATE, ids, labels=labels, events=events)
    good = RunData(audio + np.random.default_rng(1).normal(0, 0.01, audio.shape).astype(np.float32),
                   RATE, ids, labels=labels, events=events,
                   images=np.full((12, 4, 4, 3), labels[:, None, None, None], np.uint8),
                   generated_images=np.full((12, 4, 4, 3), labels[:, None, None, None], np.uint8))
    wrong = RunData(np.roll(audio, 1, axis=0), RATE, ids, labels=labels, events=events,
                    seams=[[0.5]] * 12)
    silent = RunData(np.random.default_rng(2).normal(0, 0.05, audio.shape).astype(np.float32), RATE, ids,
                     labels=labels, events=events)
    band = BandModel()
    models = EvalModels(audio_classifier=band, audio_embedder=band, image_classifier=FirstPixel(),
                        clip_audio=band, clip_image=FirstPixel())
    return evaluate_runs({"good": good, "wrong-class": wrong, "noise": silent}, ref, models, is_splits=2)


def test_metrics_order_the_runs(table) -> None:
    rows = table.rows
    assert rows["reference"]["accuracy"] == 1.0 and rows["reference"]["mkl"] == pytest.approx(0, abs=1e-4)
    assert rows["good"]["accuracy"] == 1.0 and rows["wrong-class"]["accuracy"] == 0.0
    assert rows["good"]["fd"] < rows["noise"]["fd"]
    assert rows["good"]["mkl"] < rows["wrong-class"]["mkl"]
    assert rows["reference"]["is"] == pytest.approx(rows["good"]["is"], rel=0.05)
    assert rows["good"]["onset_ms"] < 2.0 and rows["good"]["onset_miss"] == 0.0
    assert rows["noise"]["onset_miss"] > 0.5 or rows["noise"]["onset_ms"] is None
    assert rows["good"]["onset_nearest_ms"] < 2.0 < rows["noise"]["onset_nearest_ms"]
    assert rows["good"]["image_accuracy"] == 1.0 and rows["good"]["clip_score"] is not None
    assert rows["wrong-class"]["seam_click_rate"] is not None and rows["good"]["seam_click_rate"] is None
    assert rows["reference"]["hf_balance_db"] == 0.0 and abs(rows["good"]["hf_balance_db"]) < 0.5
    assert rows["noise"]["hf_balance_db"] > 3.0  # white noise is brighter than tones with clicks


def test_accuracy_per_class_is_named_by_the_classifier(table) -> None:
    assert table.per_class["good"] == {"low": 1.0, "mid": 1.0, "high": 1.0}
    assert table.per_class["wrong-class"] == {"low": 0.0, "mid": 0.0, "high": 0.0}
    assert set(table.per_class) == {"reference", "good", "wrong-class", "noise"}


def test_files_are_written_and_readable(table, tmp_path: Path) -> None:
    files = write_report(table, tmp_path / "out", title="Toy")
    data = json.loads(files.json.read_text())
    assert set(data["rows"]) == {"reference", "good", "wrong-class", "noise"}
    assert data["columns"] == table.columns and "accuracy" in data["columns"]
    md = files.markdown.read_text()
    assert md.startswith("# Toy") and "| wrong-class |" in md and "Accuracy ↑" in md
    assert "2–8 kHz balance dB →0" in md and data["metrics"]["hf_balance_db"]["target"] == 0.0
    assert "| run | low | mid | high |" in md and "| wrong-class | 0 | 0 | 0 |" in md
    assert data["per_class"]["good"] == {"low": 1.0, "mid": 1.0, "high": 1.0}
    image = cv2.imread(str(files.png))
    assert image is not None and image.shape[1] == 3 * 380
    assert sorted(p.name for p in files.json.parent.iterdir()) == ["report.json", "report.md", "report.png"]


def test_missing_models_leave_columns_empty_with_a_note() -> None:
    audio, labels, events = _clips(4, 3)
    result = evaluate_runs({"only": RunData(audio, RATE, list("abcd"), labels=labels)}, None, EvalModels())
    assert result.columns == []
    assert any("No audio classifier" in n for n in result.notes)


def test_mismatched_run_is_named() -> None:
    with pytest.raises(ConfigError, match="labels has 2"):
        RunData(np.zeros((3, 10), np.float32), RATE, ["a", "b", "c"], labels=np.zeros(2))
    with pytest.raises(ConfigError, match="reference"):
        evaluate_runs({"reference": RunData(np.zeros((1, 10), np.float32), RATE, ["a"])}, None, EvalModels())


def test_reference_from_dataset_items() -> None:
    items = [{"audio": np.zeros(100, np.float32), "id": f"k{i}", "label": i % 2,
              "events": np.array([0.1 * i], np.float32),
              "frames": np.full((5, 4, 4, 3), i, np.uint8)} for i in range(3)]
    ref = reference_from_items(items, 22050)
    assert ref.audio.shape == (3, 100) and list(ref.clip_ids) == ["k0", "k1", "k2"]
    assert list(ref.labels) == [0, 1, 0] and ref.images.shape == (3, 4, 4, 3) and ref.images[2, 0, 0, 0] == 2
    with pytest.raises(ConfigError, match="empty"):
        reference_from_items([], 22050)


def test_world_models_load_from_a_training_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match="train world-classifier"):
        world_models(tmp_path)
    WorldAudioModel(WorldAudioNet(["a", "b"], channels=(4,), embed_dim=4)).save(tmp_path / "world_audio")
    WorldImageModel(WorldImageNet(["a", "b"], channels=(4,), embed_dim=4)).save(tmp_path / "world_image")
    models = world_models(tmp_path)
    assert models.audio_classifier is models.audio_embedder and models.image_classifier.classes == ("a", "b")


def test_listening_columns_judge_timbre_comb_and_hits(table) -> None:
    """A run that stamps a 32-sample shape on its clips shows a comb at RATE/32 against the real
    clips; smeared hits show a slow attack; the timbre judge fills its column and tables."""
    audio, labels, events = _clips(12, 0)
    ids = [f"c{i}" for i in range(12)]
    ref = Reference(audio, RATE, ids, labels=labels, events=events)
    stamp = np.tile(np.random.default_rng(3).normal(0, 0.05, 32), audio.shape[1] // 32).astype(np.float32)
    combed = RunData(audio + stamp, RATE, ids, labels=labels, token_hop=32)
    kernel = np.hanning(int(0.04 * RATE))
    smeared = RunData(np.stack([np.convolve(a, kernel / kernel.sum(), "same") for a in audio]).astype(np.float32),
                      RATE, ids, labels=labels)
    result = evaluate_runs({"combed": combed, "smeared": smeared}, ref,
                           EvalModels(audio_classifier=BandModel(), timbre_judge=BandModel()))
    rows = result.rows
    assert rows["reference"]["timbre_accuracy"] == 1.0 and rows["combed"]["timbre_accuracy"] == 1.0
    assert rows["combed"]["comb_ratio"] > 3
    assert rows["reference"]["comb_ratio"] is None and rows["smeared"]["comb_ratio"] is None  # no hop
    assert rows["reference"]["attack_ratio"] == pytest.approx(1.0)
    assert rows["smeared"]["attack_ratio"] > 2 and rows["smeared"]["flux_ratio"] < 0.8
    assert set(result.class_tables["Comb ×real per class"]["combed"]) == {"low", "mid", "high"}


def test_listening_tables_reach_the_markdown(table, tmp_path: Path) -> None:
    files = write_report(table, tmp_path / "out", title="Toy")
    md, data = files.markdown.read_text(), json.loads(files.json.read_text())
    assert "Attack ×real →1" in md and "Attack ×real per class:" in md
    assert set(data["class_tables"]["Attack ×real per class"]) >= {"reference", "good"}
