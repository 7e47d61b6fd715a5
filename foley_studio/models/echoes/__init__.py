"""Visual Echoes: one masked transformer over spectrogram and image VQGAN tokens.

Parts: :mod:`.mel` (SpecVQGAN's log-mel), :mod:`.vqgan` (taming-style tokenizers),
:mod:`.melgan` (vocoder), :mod:`.transformer` (MAGE-style encoder/decoder), :mod:`.codec`
(waveforms and pictures ↔ tokens), :mod:`.canvas` (windowed filling of token canvases),
:mod:`.generator` (the :class:`~foley_studio.generation.Generator`), :mod:`.bundle` (bundle
folders), :mod:`.convert` (official weights) and the ``train_*`` modules (training CLIs).
"""
