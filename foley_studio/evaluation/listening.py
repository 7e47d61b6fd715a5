"""Ear-like measures of a set of takes against the real clips of the same classes.

Three measures that a right rhythm cannot fake, computed per class and summed up per run:

- ``timbre_accuracy``: how often the timbre-only judge (:mod:`.timbre`) names the take's class;
- ``comb_ratio``: the token-rate comb (:mod:`.comb`) of the takes ÷ the real clips', at the
  harmonics of ``rate / token_hop``; the run's figure is its **worst** class;
- ``attack_ratio`` and ``flux_ratio``: the median attack time and peak spectral flux of the
  takes' hits (:mod:`.transients`) ÷ the real clips' of the same classes.

The real clips are resampled to each run's rate before they are measured, so a 16-kHz take is
set against a 16-kHz reference whatever rate the reference came at.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np

from foley_studio.evaluation.comb import comb_against, comb_per_class
from foley_studio.evaluation.transients import TransientStats, ratio, transient_stats, transients_per_class

TABLES = {"timbre_accuracy": "Timbre accuracy per class", "comb_ratio": "Comb ×real per class",
          "attack_ratio": "Attack ×real per class", "flux_ratio": "Peak flux ×real per class"}


@dataclass
class ListeningReference:
    """The real clips ``audio`` ``(N, S)`` at ``rate`` with ``labels``; measures are cached."""

    audio: np.ndarray
    rate: int
    labels: np.ndarray
    _at: dict = field(default_factory=dict, repr=False)
    _comb: dict = field(default_factory=dict, repr=False)
    _hits: dict = field(default_factory=dict, repr=False)

    def at(self, rate: int) -> np.ndarray:
        """The clips resampled to ``rate``."""
        if rate not in self._at:
            from foley_studio.media.audio import resample

            self._at[rate] = resample(np.asarray(self.audio, np.float32), self.rate, rate)
        return self._at[rate]

    def comb(self, rate: int, fundamental: float) -> dict[int, Optional[float]]:
        """Per class, the real clips' comb at ``rate`` for ``fundamental`` Hz."""
        key = (rate, fundamental)
        if key not in self._comb:
            self._comb[key] = comb_per_class(self.at(rate), rate, fundamental, self.labels)
        return self._comb[key]

    def hits(self, rate: int) -> dict[int, TransientStats]:
        """Per class, the real clips' transient medians at ``rate``."""
        if rate not in self._hits:
            self._hits[rate] = transients_per_class(self.at(rate), rate, self.labels)
        return self._hits[rate]

    def hits_of(self, rate: int, classes: Sequence[int]) -> TransientStats:
        """Transient medians pooled over the real clips of ``classes``."""
        keep = np.isin(self.labels, list(classes))
        return transient_stats(list(self.at(rate)[keep]), rate)


def timbre_accuracy(judge, audio: np.ndarray, rate: int, labels: np.ndarray
                    ) -> tuple[float, dict[int, float]]:
    """How often ``judge`` names the take's class (``labels`` in the judge's class ids), overall
    and per class id."""
    labels = np.asarray(labels)
    hit = judge.predict_proba(audio, rate).argmax(axis=1) == labels
    return float(hit.mean()), {int(c): float(hit[labels == c].mean()) for c in np.unique(labels)}


def reference_metrics(audio: np.ndarray, rate: int, labels: np.ndarray, ref: ListeningReference,
                      token_hop: Optional[int] = None
                      ) -> tuple[dict[str, Optional[float]], dict[str, dict[int, float]]]:
    """The run's comb (when ``token_hop`` is known) and transient figures against ``ref``, and
    per measure its value per class id (``labels`` in the reference's ids)."""
    labels = np.asarray(labels)
    row: dict[str, Optional[float]] = {}
    tables: dict[str, dict[int, float]] = {}
    if token_hop:
        fundamental = rate / token_hop
        per = comb_against(comb_per_class(audio, rate, fundamental, labels), ref.comb(rate, fundamental))
        row["comb_ratio"] = max(per.values()) if per else None
        tables["comb_ratio"] = per
    row.update(_transient_row(audio, rate, labels, ref, tables))
    return row, tables


def _transient_row(audio: np.ndarray, rate: int, labels: np.ndarray, ref: ListeningReference,
                   tables: dict[str, dict[int, float]]) -> dict[str, Optional[float]]:
    """Attack and peak-flux ratios, pooled over the run and per class (into ``tables``)."""
    mine, real = transients_per_class(audio, rate, labels), ref.hits(rate)
    for key, attr in (("attack_ratio", "attack_ms"), ("flux_ratio", "peak_flux")):
        per = {c: ratio(getattr(s, attr), getattr(real[c], attr)) for c, s in mine.items() if c in real}
        tables[key] = {c: v for c, v in per.items() if v is not None}
    pooled, pooled_real = transient_stats(list(audio), rate), ref.hits_of(rate, list(mine))
    return {"attack_ratio": ratio(pooled.attack_ms, pooled_real.attack_ms),
            "flux_ratio": ratio(pooled.peak_flux, pooled_real.peak_flux)}
