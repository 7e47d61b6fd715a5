"""'foley-studio eval' end to end: tiny bundles of both generators on a tiny rendered world."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from foley_studio.cli import main
from foley_studio.data.manifest import Row, write_manifest
from foley_studio.data.render import write_mp4
from foley_studio.data.world import render_clip
from foley_studio.evaluation.protocol import (Protocol, assemble, clip_takes, load_items, other_class_item,
                                             pick_items, shift_notes)
from foley_studio.models.echoes.generator import EchoesGenerator
from foley_studio.models.im2wav.generator import Im2WavGenerator

CLASSES = ["ball", "bell", "wind"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three classes, two 4-s test clips and one training clip each."""
    root = tmp_path_factory.mktemp("world")
    rows = []
    for i, label in enumerate(CLASSES * 3):
        clip = render_clip(300 + i, label, 4.0, second=False)
        row = Row(f"e{i}", 0, label, "train" if i < 3 else "test", caption=clip.caption)
        write_mp4(row.video_path(root), clip)
        rows.append(row)
    write_manifest(root, rows)
    return root


@pytest.fixture(scope="module")
def judges(world: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("judges")
    for modality in ("audio", "image"):
        assert main(["train", "world-classifier", "--data", str(world), "--out", str(out),
                     "--modality", modality, "--steps", "2", "--batch-size", "4"]) == 0
    return out


def test_eval_writes_every_row_of_both_generators(world, judges, tmp_path) -> None:
    Im2WavGenerator.tiny(0).save_bundle(tmp_path / "im2wav", name="im2wav-t")
    EchoesGenerator.tiny(0, frames=2).save_bundle(tmp_path / "echoes", name="echoes-t")
    out = tmp_path / "report"
    assert main(["eval", "--model", str(tmp_path / "im2wav"), "--model", str(tmp_path / "echoes"),
                 "--data", str(world), "--judges", str(judges), "--out", str(out),
                 "--per-class", "2", "--steps", "2", "--workers", "1"]) == 0
    report = json.loads((out / "report.json").read_text())
    rows = report["rows"]
    for row in ("video", "video, no guidance", "one frame", "other picture", "reconstruction",
                "LOW level only", "mean frame", "text prompt"):
        assert 0.0 <= rows[f"im2wav-t: {row}"]["accuracy"] <= 1.0
    for row in ("video", "inpaint, gap", "reconstruction"):
        assert 0.0 <= rows[f"echoes-t: {row}"]["accuracy"] <= 1.0
    assert rows["echoes-t: inpaint, whole clip"]["seam_click_rate"] is not None
    board = rows["echoes-t: storyboard"]
    assert board["accuracy"] is None and 0.0 <= board["image_accuracy"] <= 1.0
    assert rows["reference"]["class_fd"] < rows["reference"]["shuffled_fd"]
    assert set(report["meta"]["bundles"]) == {"im2wav-t", "echoes-t"}
    assert (out / "report.png").stat().st_size > 0 and "| reference |" in (out / "report.md").read_text()


def test_eval_refuses_judges_of_another_world(world, tmp_path, capsys) -> None:
    Im2WavGenerator.tiny(0).save_bundle(tmp_path / "im2wav", name="im2wav-t")
    assert main(["eval", "--model", str(tmp_path / "im2wav"), "--data", str(world),
                 "--judges", str(tmp_path / "none"), "--out", str(tmp_path / "r")]) == 2
    assert "train world-classifier" in capsys.readouterr().err


def test_other_picture_comes_from_the_class_halfway_round() -> None:
    items = pick_items([{"label": c, "id": f"{c}{k}"} for k in range(3) for c in range(4)], 2)
    assert len(items) == 8
    assert other_class_item(items, items[0])["label"] == 2
    assert other_class_item(items, items[3])["label"] == 1


def test_takes_follow_their_rows_and_labels(world) -> None:
    gen = Im2WavGenerator.tiny(0)
    items = load_items(world, gen, 2, 1.0)
    takes, seconds = clip_takes(gen, items, 0, Protocol(seconds=1.0, steps=2))
    runs = assemble([(takes, "a")], gen.sample_rate)
    assert seconds > 0 and runs["video"].audio.shape == (1, gen.sample_rate)
    assert runs["other picture"].labels[0] == other_class_item(items, items[0])["label"]
    assert runs["video"].labels[0] == items[0]["label"]
    assert np.asarray(runs["video"].events[0]).size == len(items[0]["events"])  # ball bounces


def test_generators_that_follow_sync_get_ground_truth_and_shifted_rows(world) -> None:
    import dataclasses

    from foley_studio.models.echoes.transformer import EchoesTransformer
    from foley_studio.models.timing import load_with_new_timing

    gen = EchoesGenerator.tiny(0, frames=2)
    items = load_items(world, gen, 2, 1.0, ("ball", "wind"))
    assert {it["class_name"] for it in items} == {"ball", "wind"}
    proto = Protocol(seconds=1.0, steps=2, gap=(0.25, 0.75))
    ignoring = assemble([(clip_takes(gen, items, 0, proto)[0], "a")], gen.sample_rate)
    np.testing.assert_array_equal(ignoring["sync: picture"].audio, ignoring["video"].audio)
    assert ignoring["sync: ground truth, conformed"].audio.shape == (1, gen.sample_rate)
    old = gen.model
    gen.model = EchoesTransformer(dataclasses.replace(old.config, timing=True)).eval()
    load_with_new_timing(gen.model, old.state_dict(), source="tiny")
    takes, _ = clip_takes(gen, items, 0, proto)
    runs = assemble([(takes, "a")], gen.sample_rate)
    for row in ("sync: ground truth", "sync: ground truth +150 ms", "sync: picture",
                "sync: ground truth, conformed", "sync: picture, conformed"):
        assert runs[row].audio.shape == (1, gen.sample_rate)
        np.testing.assert_array_equal(runs[row].events[0], runs["video"].events[0])
    # the timing condition starts at zero: until fine-tuned, the sync takes are the video take
    np.testing.assert_array_equal(runs["sync: ground truth"].audio, runs["video"].audio)
    quick = clip_takes(gen, items, 0, dataclasses.replace(proto, sync_only=True))[0]
    assert set(quick) == {"video", "sync: ground truth", "sync: ground truth, conformed", "sync: picture",
                          "sync: picture, conformed", "sync: ground truth +150 ms"}


def test_shift_note_reads_how_far_the_onsets_moved_not_where_they_sit():
    rows = {"a: sync: ground truth": {"onset_shift_ms": -7.0},
            "a: sync: ground truth +150 ms": {"onset_shift_ms": 133.0},
            "b: sync: ground truth +150 ms": {"onset_shift_ms": 150.0},  # no unshifted row: no note
            "c: sync: ground truth": {"onset_shift_ms": 1.0},
            "c: sync: ground truth +150 ms": {"onset_shift_ms": None}}
    assert shift_notes(rows) == ["a: moving the sync track +150 ms moved the median onset 140.0 ms "
                                 "(from -7.0 ms to 133.0 ms)."]


def test_eval_judges_timbre_and_names_the_token_rate(world, judges, tmp_path) -> None:
    """The shipped timbre judge knows this world's classes (a subset of its ten), so every judged
    row gets a timbre accuracy; IM2WAV rows carry their VQ-VAE's hop for the comb meter."""
    gen = Im2WavGenerator.tiny(0)
    gen.save_bundle(tmp_path / "im2wav", name="im2wav-t")
    out = tmp_path / "report"
    assert main(["eval", "--model", str(tmp_path / "im2wav"), "--data", str(world), "--judges",
                 str(judges), "--out", str(out), "--per-class", "2", "--workers", "1", "--sync-only"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["rows"]["reference"]["timbre_accuracy"] >= 0.5
    assert report["rows"]["im2wav-t: video"]["comb_ratio"] is not None
    assert set(report["class_tables"]["Comb ×real per class"]["im2wav-t: video"]) <= set(CLASSES)
    assert gen.token_hop == gen.hop_up
    assert assemble([({"video": [(np.zeros(64, np.float32), 0, None)]}, "a")], 16000, 32)["video"].token_hop == 32
    (tmp_path / "judge.json").write_text(json.dumps({"kind": "timbre-judge", "classes": ["x"], "mean": [0.0],
                                                     "std": [1.0], "weights": [[0.0]], "bias": [0.0]}))
    assert main(["eval", "--model", str(tmp_path / "im2wav"), "--data", str(world), "--judges",
                 str(judges), "--out", str(tmp_path / "r2"), "--timbre-judge", str(tmp_path / "judge.json")]) != 0
