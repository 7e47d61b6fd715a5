"""Render the main window with a clip, a selection and takes to docs/screenshot.png.

Run through ``scripts/screenshot.sh`` (which starts a virtual X display). The clip is the demo
clip in ``examples/`` (else one drawn by the procedural world); the takes come from the bundled
starter models when they are installed, else from the tiny random generators (their sound is
noise, their waveforms look the part).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def wait(app, condition, timeout: float = 120.0) -> None:
    """Process events until ``condition()`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("screenshot: timed out waiting for the window")
        app.processEvents()
        time.sleep(0.01)


def catalog():
    """Starter bundles when present, plus the tiny generators as a fallback."""
    from foley_studio import registry
    from ui.services.catalog import GeneratorCatalog

    cat = GeneratorCatalog()
    kinds = {b.kind: str(b.path) for b in registry.list_bundles()}
    if {"im2wav", "echoes"} <= kinds.keys():
        return cat, kinds["im2wav"], kinds["echoes"]
    from foley_studio.models.echoes.generator import EchoesGenerator
    from foley_studio.models.im2wav.generator import Im2WavGenerator

    cat.add_generator("im2wav-tiny", Im2WavGenerator.tiny())
    cat.add_generator("echoes-tiny", EchoesGenerator.tiny())
    return cat, "im2wav-tiny", "echoes-tiny"


def stage(app, window, clip: Path, im2wav: str, echoes: str) -> None:
    """Open the clip, detect its hits onto the sync lane, make takes (conformed to the hits) in
    three regions, accept them, leave a selection."""
    from ui.model.selection import Selection

    window.open_video(str(clip))
    wait(app, lambda: window.overview is not None)
    k = window.overview.duration / 8.0  # the layout below is planned on an 8 s clip
    window.project.set_selection(Selection(0.0, window.overview.duration))
    window.sync.detect()
    wait(app, lambda: not window.jobs.busy and not window.cancel_button.isEnabled())
    window.settings.inpaint_context = 1.0 * k
    for (start, end), mode, gen in (((0.6, 1.8), "foley", im2wav), ((3.4, 4.2), "inpaint", echoes),
                                    ((5.8, 7.4), "foley", im2wav)):
        window.project.set_selection(Selection(start * k, end * k))
        window.generate_panel.set_mode(mode)
        window.generate_panel.set_generator(gen)
        window.generate_panel.takes.setValue(2)
        window.flows.generate()
        wait(app, lambda: not window.jobs.busy and not window.cancel_button.isEnabled())
        window.flows.accept_take(window.project.takes[0].id)
    window.project.set_selection(Selection(5.8 * k, 7.4 * k))
    window.generate_panel.set_mode("foley")
    window.generate_panel.prompt.setText("ball bouncing on a wooden floor")
    window.takes_panel.select(window.project.takes[0].id)
    window.takes_panel.list.scrollToTop()
    window.seek(6.3 * k)
    wait(app, lambda: window.preview.shown_time is not None and abs(window.preview.shown_time - 6.3 * k) < 0.1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    from PyQt6.QtWidgets import QApplication

    from foley_studio.data import render_clip, write_mp4
    from ui.model.settings import AppSettings
    from ui.qt import theme
    from ui.qt.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    theme.apply(app)
    clip = ROOT / "examples" / "demo.mp4"
    if not clip.is_file():
        clip = Path(tempfile.mkdtemp(prefix="foley-shot-")) / "scene_042.mp4"
        write_mp4(clip, render_clip(3, seconds=8.0))
    cat, im2wav, echoes = catalog()
    window = MainWindow(AppSettings(), catalog=cat)
    window.errors.present = lambda title, text, detail="": print(f"{title}: {text}", file=sys.stderr)
    window.resize(1600, 960)
    window.show()
    stage(app, window, clip, im2wav, echoes)
    window.timeline.zoom_to_fit()
    for _ in range(20):
        app.processEvents()
        time.sleep(0.02)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(args.out)):
        raise SystemExit(f"screenshot: could not write {args.out}")
    print(f"wrote {args.out}")
    window.shutdown()
    return 0 if not window.errors.shown else 1


if __name__ == "__main__":
    sys.exit(main())
