#!/usr/bin/env bash
# Reproduce the bundled Visual Echoes starter model from nothing, on a CPU.
#
#   scripts/train_echoes_starter.sh            # from the repository root
#
# 1. renders the procedural world into runs/world (1200 clips, seed 1) and a larger one into
#    runs/world-big (3600 clips, same seed: its first 1200 clips are runs/world's) when absent;
# 2. trains the spectrogram VQGAN (full-band mels, 8x), the image VQGAN and the Vocos vocoder
#    on runs/world (presets "world", one torch thread each, side by side);
# 3. the vocoder goes on from the spectrogram VQGAN's reconstructed mels (--from-tokens) while
#    the transformer trains on 2-s windows of runs/world-big with 4 video frames at their times,
#    first with the paper's masking, then with whole-modality rows as well (--cond-prob/--null-prob),
#    then (decoder side only) with a timing condition that follows sync tracks;
# 4. assembles foley_studio/starter/echoes-starter (bundle.json + four safetensors pairs).
#
# Step counts below are the shipped model's; override them with the environment variables of
# the same name. Every stage resumes from its folder. The shipped image VQGAN came from an
# earlier run of the same recipe that switched dead-code restarts on at step 600 instead of 0.
# Never give a process more than one thread per free core: oversubscribed, tokenising alone ran
# ten times slower. Logs: runs/echoes-<stage>.log and runs/echoes-<stage>/log.jsonl. Measure
# the bundle with `foley-studio eval` (see the README).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
WORLD=${WORLD:-runs/world}
BIG=${BIG:-runs/world-big}
WORK=${WORK:-runs/echoes-bundle}
STARTER=${STARTER:-foley_studio/starter/echoes-starter}
SPEC_STEPS=${SPEC_STEPS:-2200}
IMAGE_STEPS=${IMAGE_STEPS:-1200}
VOCODER_CLEAN_STEPS=${VOCODER_CLEAN_STEPS:-8000}
VOCODER_STEPS=${VOCODER_STEPS:-10000}
PAPER_MASKING_STEPS=${PAPER_MASKING_STEPS:-4200}
TRANSFORMER_STEPS=${TRANSFORMER_STEPS:-7500}
SYNC_STEPS=${SYNC_STEPS:-440}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

cli() { "$PY" -m foley_studio.cli "$@"; }

[ -f "$WORLD/vggsound.csv" ] || cli synth --out "$WORLD" --clips 1200 --seed 1
[ -f "$BIG/vggsound.csv" ] || cli synth --out "$BIG" --clips 3600 --seed 1

common=(--data "$WORLD" --bundle "$WORK" --preset world --device cpu --cache --log-every 20)
cli train echoes-spec-vqgan --out runs/echoes-spec "${common[@]}" --steps "$SPEC_STEPS" --save-every 200 \
    --batch-size 8 --lr 2e-4 --crop-frames 128 --restart-every 50 > runs/echoes-spec.log 2>&1 &
spec=$!
cli train echoes-image-vqgan --out runs/echoes-image "${common[@]}" --steps "$IMAGE_STEPS" --save-every 200 \
    --batch-size 8 --lr 2e-4 --restart-every 50 > runs/echoes-image.log 2>&1 &
image=$!
wait "$spec"
wait "$image"
cli train echoes-vocoder --arch vocos --out runs/echoes-vocos "${common[@]}" --save-every 500 \
    --steps "$VOCODER_CLEAN_STEPS" --batch-size 16 --lr 5e-4 > runs/echoes-vocos.log 2>&1
# the vocoder goes on from the spectrogram VQGAN's reconstructions while the transformer trains
cli train echoes-vocoder --arch vocos --out runs/echoes-vocos "${common[@]}" --save-every 500 \
    --steps "$VOCODER_STEPS" --batch-size 16 --lr 2e-4 --from-tokens --resume > runs/echoes-vocos2.log 2>&1 &
vocoder=$!
transformer=(--data "$BIG" --bundle "$WORK" --preset world --device cpu --out runs/echoes-transformer
             --batch-size 16 --lr 6e-4 --seconds 2 --frames 4 --fps 4 --save-every 100 --log-every 20)
cli train echoes-transformer "${transformer[@]}" --steps "$PAPER_MASKING_STEPS" > runs/echoes-transformer.log 2>&1
# then a quarter of the rows show one modality whole (as at inference) and a tenth hide one whole
# (the null condition of guidance): guidance then helps, and storyboards follow their sound
cli train echoes-transformer "${transformer[@]}" --steps "$TRANSFORMER_STEPS" --cond-prob 0.25 \
    --null-prob 0.1 --resume > runs/echoes-transformer2.log 2>&1
# the timing condition (sync): the decoder side goes on with a zero-started timing embedding per
# audio column (each hit's offset inside its column included), on random 2-s windows of the 4-s
# clips of runs/world with their main-object event times and RMS envelope; the encoder stays
# as trained (on 2 shared cores a full step took twice as long) and the timing parameters learn
# at 10x the rate. SYNC_STEPS=0 skips this.
if [ "$SYNC_STEPS" -gt 0 ]; then
  cli train echoes-transformer --data "$WORLD" --bundle "$WORK" --init "$WORK" --preset world --device cpu \
      --out runs/echoes-transformer-sync --timing --timing-lr-scale 10 --tune decoder --clip-seconds 4 \
      --batch-size 16 --lr 3e-4 --seconds 2 --frames 4 --fps 4 --cond-prob 0.25 --null-prob 0.1 \
      --save-every 20 --log-every 10 --steps "$SYNC_STEPS" > runs/echoes-transformer-sync.log 2>&1
fi
wait "$vocoder"

"$PY" - "$WORK" "$STARTER" <<'EOF'
import shutil, sys
from pathlib import Path

from foley_studio.models.echoes.bundle import COMPONENTS, update_bundle

work, starter = Path(sys.argv[1]), Path(sys.argv[2])
starter.mkdir(parents=True, exist_ok=True)
for part in COMPONENTS:
    for suffix in (".safetensors", ".json"):
        shutil.copyfile(work / f"{part}{suffix}", starter / f"{part}{suffix}")
shutil.copyfile(work / "bundle.json", starter / "bundle.json")
update_bundle(starter, name="echoes-starter", sample_rate=22050,
              description="Visual Echoes starter: trained on the procedural world "
                          "(10 classes, 2-s windows, 4 video frames, full-band mels, Vocos); "
                          "a demo, not VGGSound")
print(f"wrote {starter}")
EOF
