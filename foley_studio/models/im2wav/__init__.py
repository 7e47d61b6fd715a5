"""IM2WAV: a hierarchical waveform VQ-VAE and two CLIP-conditioned autoregressive priors.

Submodules: :mod:`.vqvae` (the VQ-VAE), :mod:`.transformer` (SDPA attention with the
block-sparse layers and a KV cache), :mod:`.conditioning` and :mod:`.prior` (LOW and UP priors),
:mod:`.generator` (the Foley Studio generator), :mod:`.convert` (released checkpoints) and the
trainers :mod:`.train_vqvae` and :mod:`.train_prior`.
"""
