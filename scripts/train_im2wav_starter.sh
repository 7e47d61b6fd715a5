#!/usr/bin/env bash
# Reproduce the bundled IM2WAV starter model (foley_studio/starter/im2wav-starter) from scratch:
# render the procedural world if absent, train the CLIP encoder, the VQ-VAE, the LOW and the UP
# priors (preset "world"), fine-tune the LOW prior with a timing condition, and assemble the bundle.
#
#   scripts/train_im2wav_starter.sh [RUNS_DIR] [BUNDLE_DIR]
#
# Environment: DEVICE (cpu or cuda; default cuda when present), the *_STEPS counts and *_BATCH
# sizes below. Every trainer resumes from its folder, so a run that
# was stopped continues where it left off. Stages that do not depend on each other train side by
# side, each with one torch thread.
set -euo pipefail

RUNS=${1:-runs}
BUNDLE=${2:-foley_studio/starter/im2wav-starter}
PY=${PYTHON:-.venv/bin/python}
FS="$PY -m foley_studio.cli"
DEVICE_ARG=${DEVICE:+--device $DEVICE}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}

CLIP_STEPS=${CLIP_STEPS:-10000}; CLIP_BATCH=${CLIP_BATCH:-32}
VQ_STEPS=${VQ_STEPS:-8000};     VQ_BATCH=${VQ_BATCH:-8}
DEC_STEPS=${DEC_STEPS:-0};      LOW_STEPS=${LOW_STEPS:-5000};   LOW_BATCH=${LOW_BATCH:-16}
DEC_LR=${DEC_LR:-6e-4};         COMB_WEIGHT=${COMB_WEIGHT:-0}
UP_STEPS=${UP_STEPS:-8000};     UP_BATCH=${UP_BATCH:-8}
SYNC_LOW_STEPS=${SYNC_LOW_STEPS:-1200}

WORLD=$RUNS/world
ENC=$RUNS/im2wav-clip VQ=$RUNS/im2wav-vqvae DEC=$RUNS/im2wav-vqvae-dec
LOW=$RUNS/im2wav-low UP=$RUNS/im2wav-up

if [ ! -f "$WORLD/vggsound.csv" ]; then
  $FS synth --out "$WORLD" --clips 1200 --seed 1
fi

# 1. encoder and VQ-VAE (independent of each other)
#    The encoder sees every frame (25 fps) and learns which show an event (--event-frames), so
#    the per-frame conditioning can time a sound to the picture.
$FS train clip --data "$WORLD" --out "$ENC" --embed-dim 32 --image-size 64 --text-width 16 \
  --fps 25 --event-frames --steps "$CLIP_STEPS" --batch-size "$CLIP_BATCH" --save-every 500 $DEVICE_ARG &
clip_pid=$!
$FS train im2wav-vqvae --data "$WORLD" --out "$VQ" --preset world --segment 0.5 \
  --steps "$VQ_STEPS" --batch-size "$VQ_BATCH" --lr 5e-4 --warmup 100 --save-every 200 $DEVICE_ARG &
vq_pid=$!
wait "$clip_pid"; wait "$vq_pid"

# 2. LOW and UP priors; UP reads the token cache LOW builds (same clips, encoder and VQ-VAE).
#    Meanwhile the VQ-VAE's decoders train on (encoders and codebooks frozen: same tokens).
#    DEC_STEPS=0 (the measured candidate) skips that and bundles the VQ-VAE as trained.
#    COMB_WEIGHT > 0 adds the comb loss there (the decoder's 500-Hz comb; see the README's
#    "Ear-like measures"): DEC_STEPS=100 DEC_LR=2e-4 COMB_WEIGHT=2 is the run measured there.
dec_pid=
if [ "$DEC_STEPS" -gt 0 ]; then
  mkdir -p "$DEC"
  [ -e "$DEC/cache" ] || ln -s "$(cd "$VQ" && pwd)/cache" "$DEC/cache"
  $FS train im2wav-vqvae --data "$WORLD" --out "$DEC" --preset world --init "$VQ" --decoders-only \
    --segment 0.5 --steps "$DEC_STEPS" --batch-size "$VQ_BATCH" --lr "$DEC_LR" --warmup 20 --save-every 100 \
    --comb-weight "$COMB_WEIGHT" \
    $DEVICE_ARG &
  dec_pid=$!
else
  DEC=$VQ
fi
$FS train im2wav-low --data "$WORLD" --out "$LOW" --preset world --vqvae "$VQ" --encoder "$ENC" \
  --steps "$LOW_STEPS" --batch-size "$LOW_BATCH" --lr 1e-3 --warmup 50 --ema 0.995 --save-every 100 \
  $DEVICE_ARG &
low_pid=$!
until compgen -G "$LOW/cache/clips-*.json" >/dev/null; do
  kill -0 "$low_pid" 2>/dev/null || { wait "$low_pid"; exit 1; }
  sleep 5
done
mkdir -p "$UP"
[ -e "$UP/cache" ] || ln -s "$(cd "$LOW" && pwd)/cache" "$UP/cache"
$FS train im2wav-up --data "$WORLD" --out "$UP" --preset world --vqvae "$VQ" --encoder "$ENC" \
  --steps "$UP_STEPS" --batch-size "$UP_BATCH" --lr 1e-3 --warmup 50 --ema 0.995 --save-every 100 \
  $DEVICE_ARG &
up_pid=$!
wait "$low_pid"; wait "$up_pid"; [ -z "$dec_pid" ] || wait "$dec_pid"

# 3. the timing condition (sync): the LOW prior goes on from its EMA weights with a zero-started
#    timing embedding per token, trained on the clips' main-object event times (hits) and the
#    real audio's RMS per token (envelope); the timing parameters learn at 10x the rate.
#    SYNC_LOW_STEPS=0 skips this and bundles the LOW prior as trained.
LOW_FINAL=$LOW
if [ "$SYNC_LOW_STEPS" -gt 0 ]; then
  LOW_FINAL=$RUNS/im2wav-low-sync
  mkdir -p "$LOW_FINAL"
  [ -e "$LOW_FINAL/cache" ] || ln -s "$(cd "$LOW" && pwd)/cache" "$LOW_FINAL/cache"
  $FS train im2wav-low --data "$WORLD" --out "$LOW_FINAL" --preset world --vqvae "$DEC" --encoder "$ENC" \
    --init "$LOW/ema" --timing --timing-lr-scale 10 --steps "$SYNC_LOW_STEPS" --batch-size "$LOW_BATCH" \
    --lr 3e-4 --warmup 50 --ema 0.995 --save-every 50 $DEVICE_ARG
fi

# 4. the bundle (EMA weights of the priors, the encoder copied in)
$FS weights import im2wav --vqvae "$DEC" --low "$LOW_FINAL" --up "$UP" --encoder "$ENC" \
  --name im2wav-starter --out "$BUNDLE"
du -sh "$BUNDLE"
