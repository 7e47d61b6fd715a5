"""The dataset layout shared by rendered worlds and VGGSound-style folders.

::

    root/vggsound.csv        rows ``id,start,label,split`` (no header, as VGGSound ships it)
    root/video/{id}_{start:06d}.mp4  (read also: {id}_{start}.mp4, {id}_{ms}_{ms+10000}.mp4)
    root/events.jsonl        one JSON object per clip: id, label, caption, events, seed...

``events.jsonl`` is optional when reading (real VGGSound has none): clips then have their
label as caption and no events.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from foley_studio.atomic import write_text_atomic
from foley_studio.errors import ConfigError, MissingFileError

CSV_NAME = "vggsound.csv"
EVENTS_NAME = "events.jsonl"
VIDEO_DIR = "video"


@dataclass
class Row:
    """One clip of a manifest."""

    id: str
    start: int
    label: str
    split: str
    caption: str = ""
    events: list[dict] = field(default_factory=list)  # {"time", "frame", "kind", "source", "main"}
    seed: int | None = None
    seconds: float | None = None

    @property
    def key(self) -> str:
        """``{id}_{start:06d}``, the file stem VGGSound downloads use."""
        return f"{self.id}_{self.start:06d}"

    def video_path(self, root: Path) -> Path:
        """Where this clip's video is written under ``root``."""
        return Path(root) / VIDEO_DIR / f"{self.key}.mp4"

    def find_video(self, root: Path) -> Path:
        """The clip's video under ``root`` in any of the namings VGGSound copies use
        (``{id}_{start:06d}``, ``{id}_{start}``, ``{id}_{start ms}_{start ms + 10000}``), or
        :meth:`video_path` when none exists."""
        ms = self.start * 1000
        for stem in (self.key, f"{self.id}_{self.start}", f"{self.id}_{ms}_{ms + 10000}"):
            path = Path(root) / VIDEO_DIR / f"{stem}.mp4"
            if path.is_file():
                return path
        return self.video_path(root)


def write_manifest(root: str | Path, rows: list[Row]) -> None:
    """Write ``vggsound.csv`` and ``events.jsonl`` under ``root`` (atomically)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for row in rows:
        writer.writerow([row.id, row.start, row.label, row.split])
    write_text_atomic(Path(root) / CSV_NAME, buf.getvalue())
    lines = [json.dumps(asdict(row), sort_keys=True) for row in rows]
    write_text_atomic(Path(root) / EVENTS_NAME, "".join(line + "\n" for line in lines))


def read_manifest(root: str | Path) -> list[Row]:
    """Rows of ``root/vggsound.csv``, with captions and events from ``events.jsonl`` if present."""
    path = Path(root) / CSV_NAME
    if not path.is_file():
        raise MissingFileError(f"{path} does not exist; point at a folder holding vggsound.csv "
                               "(render one with 'foley-studio synth --out DIR').")
    rows = [_parse(path, n, rec) for n, rec in enumerate(csv.reader(path.open(newline="")), 1)
            if rec and not _is_header(rec)]
    extra = _read_events(Path(root) / EVENTS_NAME)
    for row in rows:
        info = extra.get(row.key, {})
        row.caption = info.get("caption") or row.label
        row.events = info.get("events", [])
        row.seed, row.seconds = info.get("seed"), info.get("seconds")
    return rows


def _is_header(rec: list[str]) -> bool:
    return rec[0].strip().lstrip("#").strip().lower() in ("id", "youtube id", "ytid")


def _parse(path: Path, line: int, rec: list[str]) -> Row:
    try:
        vid, start, label, split = (r.strip() for r in rec[:4])
        return Row(vid, int(float(start)), label, split)
    except ValueError as exc:
        raise ConfigError(f"{path} line {line} is not 'id,start,label,split': {','.join(rec)!r}; "
                          "fix or remove that line.") from exc


def _read_events(path: Path) -> dict[str, dict]:
    if not path.is_file():
        return {}
    out = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            out[f"{rec['id']}_{int(rec['start']):06d}"] = rec
        except (ValueError, KeyError) as exc:
            raise ConfigError(f"{path} line {n} is not a clip record ({exc}); fix or remove "
                              "that line, or delete the file to read labels only.") from exc
    return out
