#!/usr/bin/env bash
# Reproduce the bundled Visual Echoes starter model from nothing, on a CPU.
#
#   scripts/train_echoes_starter.sh            # from the repository root
#
# 1. renders the procedural world into runs/world (1200 clips, seed 1) when it is absent;
# 2. trains the spectrogram VQGAN, the image VQGAN and the MelGAN vocoder (presets "world",
#    one torch thread each, the three run side by side); the vocoder then goes on from the
#    spectrogram VQGAN's reconstructed mels (--from-tokens);
# 3. tokenises the training split and trains the transformer on 4-s windows with 8 video
#    frames at their times;
# 4. assembles foley_studio/starter/echoes-starter (bundle.json + four safetensors pairs).
#
# Step counts below are the recipe's defaults; override them with the environment variables
# of the same name. Every stage resumes from its folder. Logs: runs/echoes-<stage>.log and
# runs/echoes-<stage>/log.jsonl. Measure the bundle with `foley-studio eval` (see the README).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
WORLD=${WORLD:-runs/world}
WORK=${WORK:-runs/echoes-bundle}
STARTER=${STARTER:-foley_studio/starter/echoes-starter}
SPEC_STEPS=${SPEC_STEPS:-1200}
IMAGE_STEPS=${IMAGE_STEPS:-1200}
VOCODER_CLEAN_STEPS=${VOCODER_CLEAN_STEPS:-1900}
VOCODER_STEPS=${VOCODER_STEPS:-3000}
TRANSFORMER_STEPS=${TRANSFORMER_STEPS:-1200}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

cli() { "$PY" -m foley_studio.cli "$@"; }

if [ ! -f "$WORLD/vggsound.csv" ]; then
    cli synth --out "$WORLD" --clips 1200 --seed 1
fi

common=(--data "$WORLD" --bundle "$WORK" --preset world --device cpu --cache --save-every 100 --log-every 20)
cli train echoes-spec-vqgan --out runs/echoes-spec "${common[@]}" --steps "$SPEC_STEPS" \
    --batch-size 8 --lr 2e-4 --crop-frames 128 --restart-every 50 > runs/echoes-spec.log 2>&1 &
spec=$!
cli train echoes-image-vqgan --out runs/echoes-image "${common[@]}" --steps "$IMAGE_STEPS" \
    --batch-size 8 --lr 2e-4 --restart-every 50 > runs/echoes-image.log 2>&1 &
image=$!
cli train echoes-vocoder --out runs/echoes-vocoder "${common[@]}" --steps "$VOCODER_CLEAN_STEPS" \
    --batch-size 8 --lr 4e-4 > runs/echoes-vocoder.log 2>&1 &
vocoder=$!
wait "$spec"
wait "$image"
wait "$vocoder"
# the vocoder goes on from the spectrogram VQGAN's reconstructions while the transformer trains
cli train echoes-vocoder --out runs/echoes-vocoder "${common[@]}" --steps "$VOCODER_STEPS" \
    --batch-size 8 --lr 4e-4 --from-tokens --resume > runs/echoes-vocoder2.log 2>&1 &
vocoder=$!

cli train echoes-transformer --data "$WORLD" --bundle "$WORK" --preset world --device cpu \
    --out runs/echoes-transformer --steps "$TRANSFORMER_STEPS" --batch-size 16 --lr 6e-4 \
    --frames 8 --fps 4 --save-every 100 --log-every 20 > runs/echoes-transformer.log 2>&1
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
update_bundle(starter, name="echoes-starter", vocoder="melgan", sample_rate=22050,
              description="Visual Echoes starter: trained on the procedural world "
                          "(10 classes, 4-s windows, 8 video frames); a demo, not VGGSound")
print(f"wrote {starter}")
EOF
