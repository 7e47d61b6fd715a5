"""Evaluation: metrics, the world's own embedders and classifiers, and the report writer.

Metrics (numpy/scipy, no torch): :mod:`.frechet` (Fréchet distance), :mod:`.distributions`
(paired KL, Inception Score), :mod:`.scores` (CLIP-score, class accuracy), :mod:`.onsets`
(onset detection and audio-visual synchronisation error), :mod:`.seams` (clicks at
inpainting seams), :mod:`.spectrum` (the high band's share of energy against the real clips'),
:mod:`.comb` (a comb at the multiples of a first stage's token rate), :mod:`.transients` (attack
time and peak spectral flux of hits) and :mod:`.timbre` (a rhythm-free timbre judge, shipped as
``timbre_judge.json``); :mod:`.listening` sets the last three against the real clips per class.
Models behind one interface live in :mod:`.interfaces`, :mod:`.world_models` and
:mod:`.external`; :mod:`.report` turns named runs into a table.
Submodules load lazily so ``import foley_studio.evaluation`` stays cheap.
"""
from __future__ import annotations
