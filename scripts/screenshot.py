"""Render the main window with a clip, a selection and takes to docs/screenshot.png, or with
``--session`` a Foley session (footsteps, props and cloth lanes, a trimmed and faded clip, an
inpaint repair on the edited production lane) to docs/session.png.

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


def generate(app, window, start: float, end: float, mode: str, gen: str) -> str:
    """Generate two takes for ``[start, end)`` and return the first one's id."""
    from ui.model.selection import Selection

    window.project.set_selection(Selection(start, end))
    window.generate_panel.set_mode(mode)
    window.generate_panel.set_generator(gen)
    window.generate_panel.takes.setValue(2)
    window.flows.generate()
    wait(app, lambda: not window.jobs.busy and not window.cancel_button.isEnabled())
    return window.project.takes[0].id


def stage_session(app, window, clip: Path, im2wav: str, echoes: str) -> None:
    """Three Foley lanes with a take each (one trimmed, faded and turned down), and an inpainted
    gap repairing the production track; the props clip selected to show its handles."""
    from dataclasses import replace

    from ui.model.selection import Selection

    window.open_video(str(clip))
    wait(app, lambda: window.overview is not None)
    k = window.overview.duration / 8.0  # planned on an 8 s clip
    lanes = window.lanes
    foley = window.project.lanes_of("foley")[0]
    lanes.rename_lane(foley.id, "Footsteps")
    props, cloth = lanes.add_lane("Props"), lanes.add_lane("Cloth")
    window.project.set_selection(Selection(0.0, window.overview.duration))
    window.sync.detect()
    wait(app, lambda: not window.jobs.busy and not window.cancel_button.isEnabled())
    window.settings.inpaint_context = 1.0 * k
    for (start, end), lane in (((0.6, 1.8), foley), ((5.6, 7.4), props), ((2.0, 3.2), cloth)):
        take_id = generate(app, window, start * k, end * k, "foley", im2wav)
        window.timeline.selected_lane = lane.id
        window.flows.accept_take(take_id)
    window.flows.accept_take(generate(app, window, 3.4 * k, 4.2 * k, "inpaint", echoes))
    clip_id = window.project.lane_by_id(props.id).clips[0].id
    shaped = window.project.clip(clip_id)
    lanes.edit_clip(replace(shaped, start=shaped.start + 0.4 * k, offset=0.4 * k, length=1.1 * k,
                            fade_in=0.2 * k, fade_out=0.4 * k), "Trim clip")
    lanes.clip_gain(window.project.lane_by_id(cloth.id).clips[0].id, -6.0)
    lanes.set_lane_gain(cloth.id, -3.0)
    window.timeline.selected_clip = clip_id
    window.timeline.selected_lane = props.id
    window.project.set_selection(None)
    window.takes_panel.select(window.project.takes[0].id)
    window.seek(6.3 * k)
    wait(app, lambda: window.preview.shown_time is not None and abs(window.preview.shown_time - 6.3 * k) < 0.1)


def save_small(image, path: Path) -> None:
    """Write ``image`` (a QImage) as a palette PNG, small enough to keep in the repository."""
    from PIL import Image
    from PyQt6.QtCore import QBuffer, QIODevice

    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    import io

    rgb = Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGB")
    rgb.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--session", action="store_true",
                        help="stage a Foley session with lanes and a repair (docs/session.png)")
    args = parser.parse_args()
    args.out = args.out or ROOT / "docs" / ("session.png" if args.session else "screenshot.png")
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
    window.resize(1600, 1200 if args.session else 960)
    window.show()
    if args.session:  # room for six lanes and a few takes
        window.splitter.setSizes([650, 530])
        window.tabs.parentWidget().setSizes([380, 270])
        stage_session(app, window, clip, im2wav, echoes)
    else:
        stage(app, window, clip, im2wav, echoes)
    window.timeline.zoom_to_fit()
    for _ in range(20):
        app.processEvents()
        time.sleep(0.02)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.session:
        save_small(window.grab().toImage(), args.out)
    elif not window.grab().save(str(args.out)):
        raise SystemExit(f"screenshot: could not write {args.out}")
    print(f"wrote {args.out}")
    window.shutdown()
    return 0 if not window.errors.shown else 1


if __name__ == "__main__":
    sys.exit(main())
