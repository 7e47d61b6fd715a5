"""Turn named generator runs into one table of metrics and write it as Markdown, JSON and PNG.

A *run* is what one generator configuration produced for the evaluation clips
(:class:`RunData`); the *reference* is the real audio of those clips (:class:`Reference`).
:func:`evaluate_runs` computes every metric the inputs allow (a metric whose inputs or model
are missing is left empty and a note says why) and :func:`write_report` writes
``report.md``, ``report.json`` and ``report.png`` atomically. A command that runs the
generators on a held-out split only has to fill these dataclasses.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Sequence

import numpy as np

from foley_studio.atomic import write_bytes_atomic, write_text_atomic
from foley_studio.errors import ConfigError, ModelUnavailableError
from foley_studio.evaluation.distributions import inception_score, paired_kl
from foley_studio.evaluation.frechet import frechet_distance
from foley_studio.evaluation.interfaces import AudioClassifier, AudioEmbedder, ImageClassifier, ImageEmbedder
from foley_studio.evaluation.listening import TABLES, ListeningReference, reference_metrics, timbre_accuracy
from foley_studio.evaluation.onsets import detect_onsets, sync_error
from foley_studio.evaluation.scores import accuracy_per_class, class_accuracy, clip_score
from foley_studio.evaluation.seams import click_rate, seam_scores
from foley_studio.evaluation.spectrum import band_balance_db, band_share
from foley_studio.progress import CancelToken, ProgressFn, check_cancel, report


@dataclass(frozen=True)
class Metric:
    """How a table column is named, read and drawn."""

    title: str
    higher_is_better: bool
    description: str
    target: Optional[float] = None  # the right value, for a metric where neither way is better


METRICS: dict[str, Metric] = {
    "accuracy": Metric("Accuracy", True, "top-1 accuracy of the audio classifier against the clip's class"),
    "fd": Metric("FD", False, "Fréchet distance between audio embeddings of run and reference"),
    "class_fd": Metric("Class FD", False, "mean over classes of the Fréchet distance between a "
                       "class's takes and the real clips of that class"),
    "shuffled_fd": Metric("Shuffled class FD", False, "the same with each class's takes set against "
                          "the real clips of the next class: the class-shuffled baseline"),
    "mkl": Metric("MKL", False, "mean KL(reference ‖ run) of classifier outputs, paired by clip id"),
    "is": Metric("IS", True, "Inception Score of classifier outputs (mean over splits)"),
    "hf_balance_db": Metric("2–8 kHz balance dB", False, "the share of energy in 2–8 kHz against the real "
                            "clips' share, 10·log10 of the ratio (below 0: duller than real)", target=0.0),
    "onset_ms": Metric("Onset error ms", False, "median |audio onset − visual event| of matched pairs"),
    "onset_nearest_ms": Metric("Event→onset ms", False, "median over visual events of the distance to "
                               "the nearest audio onset (capped at 1 s; misses count)"),
    "onset_shift_ms": Metric("Onset shift ms", False, "median over visual events of the signed offset "
                             "of the nearest onset (onset − event): 0 on the events; the "
                             "'+150 ms' sync row should read 150 if the takes follow the sync track",
                             target=0.0),
    "onset_miss": Metric("Onset miss", False, "fraction of visual events with no onset nearby"),
    "onset_extra": Metric("Onset extra", False, "fraction of onsets with no visual event nearby"),
    "clip_score": Metric("CLIP-score", True, "100 × cosine of audio and conditioning-image embeddings"),
    "image_accuracy": Metric("Image accuracy", True, "image classifier accuracy on generated storyboard frames"),
    "seam_click_rate": Metric("Seam clicks", False, "fraction of inpainting seams that click"),
    "timbre_accuracy": Metric("Timbre accuracy", True, "top-1 accuracy of the timbre-only judge (the "
                              "spectrum of the loud frames, tonality and hit shape; no rhythm)"),
    "comb_ratio": Metric("Comb ×real", False, "the worst class's energy at the multiples of the "
                         "token rate against the bands beside them, ÷ the real clips' (1: no comb)",
                         target=1.0),
    "attack_ratio": Metric("Attack ×real", False, "median 10–90 % rise time of the takes' hits ÷ "
                           "the real clips' of the same classes (above 1: smeared)", target=1.0),
    "flux_ratio": Metric("Peak flux ×real", False, "median peak spectral flux of the takes' hits ÷ "
                         "the real clips' (below 1: softer onsets)", target=1.0),
}


@dataclass
class RunData:
    """One generator configuration's takes: ``audio`` ``(N, S)`` at ``rate``, one per clip id."""

    audio: np.ndarray
    rate: int
    clip_ids: Sequence[str]
    labels: Optional[np.ndarray] = None            # (N,) class index of each take's clip
    events: Optional[Sequence[np.ndarray]] = None  # per take, visual event times (s)
    images: Optional[np.ndarray] = None            # (N, H, W, 3) uint8 conditioning images
    generated_images: Optional[np.ndarray] = None  # (N, H, W, 3) uint8 audio→image outputs
    seams: Optional[Sequence[Sequence[float]]] = None  # per take, inpainting seam times (s)
    judge_audio: bool = True  # False when the audio is the input (audio→image), not an output
    token_hop: Optional[int] = None  # samples per first-stage token at ``rate`` (for the comb meter)

    def __post_init__(self) -> None:
        n = len(self.audio)
        sizes = {"clip_ids": self.clip_ids, "labels": self.labels, "events": self.events,
                 "images": self.images, "generated_images": self.generated_images, "seams": self.seams}
        wrong = [f"{k} has {len(v)}" for k, v in sizes.items() if v is not None and len(v) != n]
        if wrong:
            raise ConfigError(f"A run has {n} takes but {', '.join(wrong)}; give one entry per take.")


@dataclass
class Reference(RunData):
    """The real audio of the evaluation clips (its own row in the table, as a ceiling)."""


@dataclass
class EvalModels:
    """The networks behind the metrics; any may be None, which leaves its metrics empty."""

    audio_classifier: Optional[AudioClassifier] = None
    audio_embedder: Optional[AudioEmbedder] = None
    image_classifier: Optional[ImageClassifier] = None
    clip_audio: Optional[AudioEmbedder] = None
    clip_image: Optional[ImageEmbedder] = None
    timbre_judge: Optional[AudioClassifier] = None


@dataclass
class EvalReport:
    """The table: ``rows[run][metric]`` (None where not computed), plus notes, and the accuracy of
    each class, ``per_class[run][class name]``, for runs whose takes have labels."""

    rows: dict[str, dict[str, Optional[float]]]
    notes: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    per_class: dict[str, dict[str, float]] = field(default_factory=dict)
    class_tables: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)  # title → run → class

    @property
    def columns(self) -> list[str]:
        """Metrics computed for at least one run, in the order of :data:`METRICS`."""
        return [m for m in METRICS if any(r.get(m) is not None for r in self.rows.values())]


@dataclass
class _Shared:
    """What every run is compared with, computed once: the reference's outputs."""

    models: EvalModels
    ref_probs: Optional[dict[str, np.ndarray]] = None
    ref_embeddings: Optional[np.ndarray] = None
    ref_labels: Optional[np.ndarray] = None
    ref_high_share: Optional[float] = None
    listening: Optional[ListeningReference] = None
    is_splits: int = 10
    onset_window_s: float = 0.05


def evaluate_runs(runs: Mapping[str, RunData], reference: Optional[Reference], models: EvalModels, *,
                  is_splits: int = 10, onset_window_s: float = 0.05,
                  progress: Optional[ProgressFn] = None, cancel: Optional[CancelToken] = None
                  ) -> EvalReport:
    """Every metric the inputs allow, for the reference (row ``"reference"``) and each run."""
    if "reference" in runs:
        raise ConfigError("'reference' names the real audio's row; give the run another name.")
    _check_judge_classes(models)
    shared = _Shared(models, is_splits=is_splits, onset_window_s=onset_window_s)
    if reference is not None:
        _fill_reference(shared, reference)
    everything = {**({"reference": reference} if reference is not None else {}), **runs}
    rows, per_class, tables = {}, {}, {}
    for i, (name, run) in enumerate(everything.items()):
        check_cancel(cancel)
        rows[name], per_class[name] = _run_metrics(run, shared)
        for title, values in _listening(run, shared, rows[name]).items():
            tables.setdefault(title, {})[name] = values
        report(progress, i + 1, len(everything))
    return EvalReport(rows, _notes(models, reference, everything),
                      {"runs": {k: len(v.audio) for k, v in everything.items()},
                       "is_splits": is_splits, "onset_window_s": onset_window_s},
                      {k: v for k, v in per_class.items() if v}, tables)


def _check_judge_classes(models: EvalModels) -> None:
    """The timbre judge must know every class the audio classifier names the takes by."""
    judge, clf = models.timbre_judge, models.audio_classifier
    missing = sorted(set(getattr(clf, "classes", ())) - set(getattr(judge, "classes", ())))
    if judge is not None and missing:
        raise ConfigError(f"The timbre judge knows the classes {list(judge.classes)}, not {missing}; "
                          "train one on this world with 'foley-studio train timbre-judge'.")


def _fill_reference(shared: _Shared, ref: Reference) -> None:
    clf, emb = shared.models.audio_classifier, shared.models.audio_embedder
    if clf is not None:
        probs = clf.predict_proba(ref.audio, ref.rate)
        shared.ref_probs = {cid: p for cid, p in zip(ref.clip_ids, probs)}
    if emb is not None:
        shared.ref_embeddings = emb.embed(ref.audio, ref.rate)
    shared.ref_labels = None if ref.labels is None else np.asarray(ref.labels)
    shared.ref_high_share = band_share(ref.audio, ref.rate)
    if ref.labels is not None:
        shared.listening = ListeningReference(ref.audio, ref.rate, np.asarray(ref.labels))


def _listening(run: RunData, shared: _Shared, row: dict[str, Optional[float]]) -> dict[str, dict[str, float]]:
    """Fill the run's timbre, comb and transient figures into ``row``; their per-class tables
    (title → class name → value)."""
    if not run.judge_audio or run.labels is None:
        return {}
    judge = shared.models.timbre_judge
    names = list(getattr(shared.models.audio_classifier or judge, "classes", ()))
    label = lambda c: names[c] if c < len(names) else f"class {c}"  # noqa: E731
    tables = {}
    if shared.listening is not None:
        figures, per = reference_metrics(run.audio, run.rate, run.labels, shared.listening, run.token_hop)
        row.update(figures)
        tables = {TABLES[k]: {label(c): v for c, v in values.items()} for k, values in per.items() if values}
    if judge is not None:
        ids = [list(judge.classes).index(label(int(c))) for c in run.labels]
        row["timbre_accuracy"], per_class = timbre_accuracy(judge, run.audio, run.rate, np.array(ids))
        tables[TABLES["timbre_accuracy"]] = {judge.classes[c]: v for c, v in per_class.items()}
    return tables


def _run_metrics(run: RunData, shared: _Shared) -> tuple[dict[str, Optional[float]], dict[str, float]]:
    """The run's row of the table and its accuracy per class name (empty when not computed)."""
    row: dict[str, Optional[float]] = dict.fromkeys(METRICS)
    per_class: dict[str, float] = {}
    clf, emb = shared.models.audio_classifier, shared.models.audio_embedder
    if clf is not None and run.judge_audio:
        probs = clf.predict_proba(run.audio, run.rate)  # (N, C)
        row.update(_class_metrics(probs, run, shared))
        per_class = _per_class(probs, run, clf)
    if emb is not None and shared.ref_embeddings is not None and run.judge_audio:
        row.update(_frechet_metrics(emb.embed(run.audio, run.rate), run, shared))
    if run.judge_audio:
        row["hf_balance_db"] = band_balance_db(band_share(run.audio, run.rate), shared.ref_high_share)
    if run.events is not None:
        row.update(_sync_metrics(run, shared.onset_window_s))
    row.update(_image_metrics(run, shared.models))
    if run.seams is not None:
        scores = [s for clip, seams in zip(run.audio, run.seams) if len(seams)
                  for s in seam_scores(np.asarray(clip), run.rate, list(seams))]
        row["seam_click_rate"] = click_rate(scores) if scores else None
    return row, per_class


def _per_class(probs: np.ndarray, run: RunData, clf: AudioClassifier) -> dict[str, float]:
    if run.labels is None:
        return {}
    names = list(getattr(clf, "classes", ()))
    return {names[c] if c < len(names) else f"class {c}": acc
            for c, acc in accuracy_per_class(probs, np.asarray(run.labels)).items()}


def _class_metrics(probs: np.ndarray, run: RunData, shared: _Shared) -> dict[str, Optional[float]]:
    out: dict[str, Optional[float]] = {"is": inception_score(probs, min(shared.is_splits, len(probs))).mean}
    if run.labels is not None:
        out["accuracy"] = class_accuracy(probs, np.asarray(run.labels))
    if shared.ref_probs is not None:
        out["mkl"] = paired_kl(shared.ref_probs, probs, list(run.clip_ids))
    return out


def _frechet_metrics(emb: np.ndarray, run: RunData, shared: _Shared) -> dict[str, Optional[float]]:
    out: dict[str, Optional[float]] = {"fd": frechet_distance(emb, shared.ref_embeddings)}
    if run.labels is not None and shared.ref_labels is not None:
        out["class_fd"] = _class_frechet(emb, np.asarray(run.labels), shared, shift=0)
        out["shuffled_fd"] = _class_frechet(emb, np.asarray(run.labels), shared, shift=1)
    return out


def _class_frechet(emb: np.ndarray, labels: np.ndarray, shared: _Shared, shift: int) -> Optional[float]:
    """Mean over the run's classes of FD(takes of class c, real clips of the class ``shift`` on)."""
    ref, ref_labels = shared.ref_embeddings, shared.ref_labels
    classes = np.unique(ref_labels)
    values = []
    for c in np.unique(labels):
        if c not in classes or (labels == c).sum() < 2:
            continue
        other = classes[(np.searchsorted(classes, c) + shift) % len(classes)]
        if (ref_labels == other).sum() >= 2:
            values.append(frechet_distance(emb[labels == c], ref[ref_labels == other]))
    return float(np.mean(values)) if values else None


def _sync_metrics(run: RunData, window_s: float) -> dict[str, Optional[float]]:
    """Onset figures over the takes whose clips show events (the others are left out)."""
    shown = [i for i, e in enumerate(run.events) if len(e)]
    onsets = [detect_onsets(np.asarray(run.audio[i]), run.rate) for i in shown]
    sync = sync_error(onsets, [np.asarray(run.events[i]) for i in shown], window_s)
    median, nearest, shift = sync.median_abs_ms, sync.median_nearest_ms, sync.median_shift_ms
    return {"onset_ms": None if math.isnan(median) else median,
            "onset_nearest_ms": None if math.isnan(nearest) else nearest,
            "onset_shift_ms": None if math.isnan(shift) else shift,
            "onset_miss": sync.miss_rate if sync.n_events else None,
            "onset_extra": sync.extra_rate if sync.n_onsets else None}


def _image_metrics(run: RunData, models: EvalModels) -> dict[str, Optional[float]]:
    out: dict[str, Optional[float]] = {}
    if models.clip_audio is not None and models.clip_image is not None and run.images is not None:
        out["clip_score"] = clip_score(models.clip_audio.embed(run.audio, run.rate),
                                       models.clip_image.embed_images(run.images))
    if models.image_classifier is not None and run.generated_images is not None and run.labels is not None:
        out["image_accuracy"] = class_accuracy(models.image_classifier.predict_proba(run.generated_images),
                                               np.asarray(run.labels))
    return out


def _notes(models: EvalModels, reference: Optional[Reference], runs: Mapping[str, RunData]) -> list[str]:
    """Why a column is empty, so a reader never mistakes a gap for a zero."""
    notes = []
    if models.audio_classifier is None:
        notes.append("No audio classifier given: accuracy, MKL and IS not computed.")
    if models.audio_embedder is None:
        notes.append("No audio embedder given: FD not computed.")
    if reference is None:
        notes.append("No reference audio given: FD and MKL not computed.")
    if models.clip_audio is None or models.clip_image is None:
        notes.append("No CLIP audio/image embedder pair given: CLIP-score not computed.")
    if any(r.events is not None for r in runs.values()):
        notes.append("Onset errors use spectral-flux onsets matched to visual events within the window; "
                     "a run with no matched pair shows an empty onset error.")
    return notes


@dataclass(frozen=True)
class ReportFiles:
    """Where :func:`write_report` put the table."""

    markdown: Path
    json: Path
    png: Path


def write_report(result: EvalReport, folder: str | Path, *, title: str = "Foley Studio evaluation"
                 ) -> ReportFiles:
    """Write ``report.md``, ``report.json`` and ``report.png`` (a bar chart) into ``folder``."""
    import cv2

    from foley_studio.evaluation.plot import bar_chart

    folder = Path(folder)
    files = ReportFiles(folder / "report.md", folder / "report.json", folder / "report.png")
    write_text_atomic(files.json, json.dumps(_as_json(result, title), indent=2, allow_nan=False))
    write_text_atomic(files.markdown, to_markdown(result, title))
    image = bar_chart(result.rows, result.columns, {m: _heading(m) for m in METRICS})
    ok, png = cv2.imencode(".png", image)
    if not ok:
        raise ConfigError(f"OpenCV could not encode the chart for {files.png}.")
    write_bytes_atomic(files.png, png.tobytes())
    return files


def to_markdown(result: EvalReport, title: str) -> str:
    """The table as Markdown: one row per run, one column per computed metric, then a legend."""
    cols = result.columns
    lines = [f"# {title}", "", "| run | " + " | ".join(_heading(c) for c in cols) + " |",
             "|---|" + "---:|" * len(cols)]
    for name, row in result.rows.items():
        lines.append(f"| {name} | " + " | ".join(_cell(row.get(c)) for c in cols) + " |")
    lines += ["", *(f"- **{_heading(c)}**: {METRICS[c].description}." for c in cols)]
    if result.per_class:
        lines += _per_class_markdown(result.per_class)
    for title, table in result.class_tables.items():
        lines += _per_class_markdown(table, title)
    if result.notes:
        lines += ["", "Notes:", *(f"- {n}" for n in result.notes)]
    return "\n".join(lines) + "\n"


def _per_class_markdown(per_class: dict[str, dict[str, float]], title: str = "Accuracy per class"
                        ) -> list[str]:
    names = list(dict.fromkeys(name for accs in per_class.values() for name in accs))
    lines = ["", f"{title}:", "", "| run | " + " | ".join(names) + " |",
             "|---|" + "---:|" * len(names)]
    for run, accs in per_class.items():
        lines.append(f"| {run} | " + " | ".join(_cell(accs.get(n)) for n in names) + " |")
    return lines


def _heading(metric: str) -> str:
    m = METRICS[metric]
    if m.target is not None:
        return f"{m.title} →{m.target:g}"
    return f"{m.title} {'↑' if m.higher_is_better else '↓'}"


def _cell(value: Optional[float]) -> str:
    return "–" if value is None else f"{value:.4g}"


def _as_json(result: EvalReport, title: str) -> dict:
    return {"title": title, "columns": result.columns,
            "metrics": {c: {"title": METRICS[c].title, "higher_is_better": METRICS[c].higher_is_better,
                            "target": METRICS[c].target,
                            "description": METRICS[c].description} for c in result.columns},
            "rows": {name: {c: _finite(row.get(c)) for c in result.columns}
                     for name, row in result.rows.items()},
            "per_class": result.per_class, "class_tables": result.class_tables,
            "notes": result.notes, "meta": result.meta}


def _finite(value: Optional[float]) -> Optional[float]:
    return None if value is None or not math.isfinite(value) else float(value)


def reference_from_items(items: Sequence[Mapping], rate: int) -> Reference:
    """The real clips of :class:`~foley_studio.data.dataset.AVDataset` items as the reference.

    Each clip's middle frame stands for its conditioning image (for CLIP-score).
    """
    if not items:
        raise ConfigError("No clips to evaluate on: the held-out split is empty.")
    return Reference(np.stack([np.asarray(it["audio"], np.float32) for it in items]), rate,
                     [str(it["id"]) for it in items], labels=np.array([int(it["label"]) for it in items]),
                     events=[np.asarray(it["events"], np.float64) for it in items],
                     images=np.stack([it["frames"][len(it["frames"]) // 2] for it in items]))


def world_models(folder: str | Path) -> EvalModels:
    """The world audio classifier/embedder and image classifier trained into ``folder``."""
    from foley_studio.evaluation.world_models import WorldAudioModel, WorldImageModel

    folder = Path(folder)
    missing = [n for n in ("world_audio", "world_image") if not (folder / f"{n}.json").is_file()]
    if missing:
        raise ModelUnavailableError(
            f"{folder} lacks {', '.join(missing)}; train them with 'foley-studio train world-classifier "
            f"--data WORLD --out {folder} --modality audio' (and '--modality image').")
    audio = WorldAudioModel.load(folder / "world_audio")
    return EvalModels(audio_classifier=audio, audio_embedder=audio,
                      image_classifier=WorldImageModel.load(folder / "world_image"))
