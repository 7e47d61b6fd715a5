"""``foley-studio doctor``: what this machine has for Foley Studio, one line per check.

Versions, the torch device and which dtypes it computes in, every model bundle found with its
weight files checked against their recorded sha256, downloaded files against their recorded
sizes, the audio output devices, and each DAW target (the shipped presets and any ``--target``
file) with whether it answers within a short timeout. A line starts with ``ok``, ``--`` (for
information: a DAW that is not running is not a fault) or ``FAIL``; the exit status is 1 when any
line failed, else 0.
"""
from __future__ import annotations

import argparse
import platform
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

OK, INFO, FAIL = "ok", "--", "FAIL"
DAW_TIMEOUT = 0.3  # seconds per query: enough on one computer, short enough for a quick check


class Line(NamedTuple):
    """One check's verdict and what it found."""

    status: str
    topic: str
    text: str


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``doctor`` subcommand."""
    parser = sub.add_parser("doctor", help="check this installation: versions, device, weights, "
                                           "audio, DAW targets")
    parser.add_argument("--target", action="append", type=Path, default=[],
                        help="also check this DAW target preset file (repeatable)")
    parser.add_argument("--no-daw", action="store_true", help="skip contacting DAW targets")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    failed = False
    for check in CHECKS:
        if check is daw_lines and args.no_daw:
            continue
        for line in _safely(check, args):
            print(f"{line.status:4s} {line.topic:10s} {line.text}", flush=True)
            failed |= line.status == FAIL
    return 1 if failed else 0


def _safely(check: Callable[[argparse.Namespace], Iterator[Line]], args) -> Iterator[Line]:
    try:
        yield from check(args)
    except Exception as exc:  # a check that breaks is itself the finding, never a traceback
        yield Line(FAIL, check.__name__.removesuffix("_lines"), f"{type(exc).__name__}: {exc}")


def version_lines(_args) -> Iterator[Line]:
    """Foley Studio, Python and the main libraries."""
    from foley_studio.version import __version__

    yield Line(OK, "version", f"foley-studio {__version__}, Python {platform.python_version()} "
                              f"on {platform.system()} {platform.machine()}")
    from importlib import metadata

    for dist in ("torch", "numpy", "PyQt6", "open_clip_torch", "sounddevice", "gdown"):
        try:
            yield Line(OK, "package", f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            yield Line(FAIL, "package", f"{dist} is not installed; reinstall foley-studio")


def device_lines(_args) -> Iterator[Line]:
    """The torch device, threads, and which storages work on it."""
    import torch

    from foley_studio.models.im2wav.storage import CPU_LARGE_STORAGE

    if torch.cuda.is_available():
        yield Line(OK, "device", f"CUDA {torch.cuda.get_device_name(0)}, bf16 "
                                 f"{'yes' if torch.cuda.is_bf16_supported() else 'no'}")
    else:
        yield Line(OK, "device", f"CPU ({platform.processor() or platform.machine()}), "
                                 f"{torch.get_num_threads()} threads")
    works = {name: _dtype_works(name) for name in ("fp32", "bf16", "fp16", "int8")}
    status = OK if works["fp32"] else FAIL
    yield Line(status, "dtypes", ", ".join(f"{n} {'yes' if ok else 'no'}" for n, ok in works.items())
               + f"; large IM2WAV priors sample in {CPU_LARGE_STORAGE} on this CPU")


def _dtype_works(name: str) -> bool:
    import torch

    x = torch.randn(2, 16)
    try:
        if name == "int8":
            from foley_studio.models.im2wav.storage import Int8Linear

            layer = Int8Linear(torch.nn.Linear(16, 8))
            return bool(torch.isfinite(layer(x.bfloat16()).float()).all())
        dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[name]
        return bool(torch.isfinite((x.to(dtype) @ x.to(dtype).T).float()).all())
    except (RuntimeError, NotImplementedError):
        return False


def bundle_lines(_args) -> Iterator[Line]:
    """Each bundle found and whether its weight files match their recorded sha256."""
    from foley_studio.errors import FoleyStudioError
    from foley_studio.models.weights import read_meta
    from foley_studio.registry import list_bundles

    bundles = list_bundles()
    if not bundles:
        yield Line(FAIL, "bundles", "no model bundle found; reinstall or run "
                                    "'foley-studio weights download im2wav'")
    for info in bundles:
        stems = sorted(p.with_suffix("") for p in info.path.rglob("*.safetensors"))
        try:
            for stem in stems:
                read_meta(stem)
        except FoleyStudioError as exc:
            yield Line(FAIL, "bundle", f"{info.name} ({info.kind}) at {info.path}: {exc}")
            continue
        yield Line(OK, "bundle", f"{info.name} ({info.kind}): {len(stems)} weight files, sha256 "
                                 f"match, at {info.path}")


def download_lines(_args) -> Iterator[Line]:
    """Downloaded files against their recorded sizes (sha256 is checked when they are used)."""
    from foley_studio.downloads import read_manifest

    for path, entry in sorted(read_manifest().items()):
        size = Path(path).stat().st_size if Path(path).is_file() else None
        status = OK if size == entry["size"] else FAIL
        found = "missing" if size is None else f"{size} bytes"
        yield Line(status, "download", f"{path}: {found}, recorded {entry['size']} bytes")


def audio_lines(_args) -> Iterator[Line]:
    """The audio output devices PortAudio sees, and the default one."""
    try:
        import sounddevice
    except OSError as exc:  # the PortAudio library itself is missing
        yield Line(FAIL, "audio", f"PortAudio is missing ({exc}); install libportaudio2 to play takes")
        return
    outputs = [d for d in sounddevice.query_devices() if d["max_output_channels"] > 0]
    if not outputs:
        yield Line(INFO, "audio", "no audio output device; takes can be written but not played")
        return
    default = sounddevice.query_devices(kind="output")
    yield Line(OK, "audio", f"{len(outputs)} output device(s); default {default['name']!r} at "
                            f"{default['default_samplerate']:g} Hz")


def daw_lines(args) -> Iterator[Line]:
    """Each DAW target and whether it answers within :data:`DAW_TIMEOUT`."""
    from bridge.session import connect
    from bridge.targets import PRESET_DIR, load_target

    for preset in [*sorted(PRESET_DIR.glob("*.json")), *args.target]:
        target = load_target(preset, timeout=DAW_TIMEOUT, retries=0, reply_timeout=2 * DAW_TIMEOUT)
        name = target.name or f"{target.kind} {target.host}:{target.port}"
        try:
            with connect(target) as bridge:
                status = bridge.status()
        except OSError as exc:  # e.g. the reply port is taken by another program
            yield Line(INFO, "daw", f"{name}: cannot listen for answers ({exc})")
            continue
        if status.connected:
            yield Line(OK, "daw", f"{name}: answers, {status.host} {status.version} ({status.detail})")
        else:
            yield Line(INFO, "daw", f"{name}: no answer ({status.detail.split('. ')[0]})")


CHECKS = [version_lines, device_lines, bundle_lines, download_lines, audio_lines, daw_lines]
