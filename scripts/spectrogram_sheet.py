#!/usr/bin/env python
"""Draw docs/spectrogram-sheet.png: for each class, the first held-out world clip and each
bundle's guided video take for it (the eval protocol's take: guidance 3, seed 0 per class),
as log-frequency spectrograms side by side.

    python scripts/spectrogram_sheet.py --data runs/world \\
        --model foley_studio/starter/im2wav-starter --model foley_studio/starter/echoes-starter \\
        --out docs/spectrogram-sheet.png
"""
from __future__ import annotations

import argparse
import io
from pathlib import Path


SHEET_RATE = 16000  # every clip is drawn at this rate, so the rows line up


def main() -> int:
    import cv2
    import torch
    from PIL import Image

    from foley_studio.atomic import write_bytes_atomic
    from foley_studio.evaluation.plot import spectrogram_sheet
    from foley_studio.evaluation.protocol import Protocol, load_bundle_generator, load_items
    from foley_studio.generation import Conditioning
    from foley_studio.media.audio import resample

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="rendered world ('foley-studio synth')")
    parser.add_argument("--model", action="append", required=True, type=Path, help="bundle (repeat)")
    parser.add_argument("--out", required=True, type=Path, help="PNG to write")
    args = parser.parse_args()
    torch.set_num_threads(1)
    cells, columns, rows = {}, ["real"], []
    for bundle in args.model:
        gen = load_bundle_generator(bundle)
        columns.append(gen.name)
        for item in load_items(args.data, gen, 1, Protocol().seconds):
            cond = Conditioning(duration=Protocol().seconds, frames=item["frames"], frame_times=item["frame_times"])
            take = gen.generate(cond, takes=1, seed=0, sampler=Protocol().sampler())[0]
            cells[(item["class_name"], gen.name)] = resample(take, gen.sample_rate, SHEET_RATE)
            cells[(item["class_name"], "real")] = resample(item["audio"], gen.sample_rate, SHEET_RATE)
            rows += [] if item["class_name"] in rows else [item["class_name"]]
            print(f"{gen.name}: {item['class_name']}", flush=True)
    sheet = cv2.cvtColor(spectrogram_sheet(cells, rows, columns, SHEET_RATE), cv2.COLOR_BGR2RGB)
    buffer = io.BytesIO()  # a 48-colour palette keeps the sheet near 200 KB
    Image.fromarray(sheet).quantize(colors=48, method=Image.Quantize.MEDIANCUT).save(buffer, "PNG", optimize=True)
    write_bytes_atomic(args.out, buffer.getvalue())
    print(f"wrote {args.out} ({len(buffer.getvalue()) // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
