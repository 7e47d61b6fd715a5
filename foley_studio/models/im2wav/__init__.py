"""IM2WAV: a hierarchical waveform VQ-VAE and two CLIP-conditioned autoregressive priors.

Submodules: :mod:`.vqvae` (the VQ-VAE), :mod:`.transformer` (SDPA attention with the
block-sparse layers and a KV cache), :mod:`.conditioning` and :mod:`.prior` (LOW and UP priors),
:mod:`.generator` (the Foley Studio generator), :mod:`.convert` (released checkpoints and
trained folders into bundles) and the trainers :mod:`.train_vqvae`, :mod:`.train_low`,
:mod:`.train_up`.

From a dataset folder to takes::

    foley-studio train clip --data world --out enc
    foley-studio train im2wav-vqvae --data world --out vq
    foley-studio train im2wav-low --data world --vqvae vq --encoder enc --out low
    foley-studio train im2wav-up --data world --vqvae vq --encoder enc --out up
    foley-studio weights import im2wav --vqvae vq --low low --up up --encoder enc --out bundle
    foley-studio generate clip.mp4 --model bundle --start 1 --end 5 --takes 4 --out takes

or, with the released weights::

    foley-studio weights import im2wav --vqvae vqvae.tar --low low.tar --up up.tar --out im2wav
"""
