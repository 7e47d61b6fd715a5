"""The timeline: timecode ruler, thumbnail strip, the clip's own soundtrack, the Foley lane.

Click to put the playhead on a frame and select it; drag to select a region. The wheel
scrolls, Ctrl+wheel (or +/-) zooms around the mouse. Zoomed in past the overview's thumbnails,
the timeline asks (:attr:`QtTimeline.thumbnails_wanted`) for the exact frames its boxes show.
The widget draws the project and the clip overview; it changes the project only through
:meth:`Project.set_selection` and reports seeks through :attr:`QtTimeline.seek_requested`.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from PyQt6.QtCore import QPointF, QRectF, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QColor, QFont, QImage, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PyQt6.QtGui import QWheelEvent
from PyQt6.QtWidgets import QScrollBar, QSizePolicy, QVBoxLayout, QWidget

from foley_studio.timeline import timecode
from ui.model.project import Project
from ui.model.selection import Selection
from ui.qt import theme
from ui.services.media import PEAK_RATE, Overview, waveform_peaks

HEADER_W = 118
RULER_H = 28
LANES = (("Picture", 58), ("Production audio", 70), ("Foley", 70))
TICK_STEPS = (1 / 25, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600)
DRAG_PIXELS = 4
THUMB_DELAY_MS = 150
"""How long the view must rest before the timeline asks for sharper thumbnails."""
MAX_FINE_THUMBS = 600
"""Most exact-frame thumbnails kept from earlier zooms (those nearest the view stay)."""


def to_qimage(rgb: np.ndarray) -> QImage:
    """A deep-copied QImage of an ``(H, W, 3)`` uint8 RGB array."""
    rgb = np.ascontiguousarray(rgb)
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class _Canvas(QWidget):
    """Paints the lanes and turns mouse gestures into seeks and selections."""

    def __init__(self, timeline: "QtTimeline") -> None:
        super().__init__(timeline)
        self.t = timeline
        self.setMouseTracking(False)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(RULER_H + sum(h for _, h in LANES) + 4)
        self._press: Optional[float] = None
        self._press_x = 0.0
        self._dragging = False
        self._clip_drag: Optional[tuple[str, float]] = None  # (clip id, its start at the press)
        self._gestures = 0

    # -- geometry ------------------------------------------------------------------------
    def x_of(self, seconds: float) -> float:
        return HEADER_W + (seconds - self.t.scroll) * self.t.zoom

    def time_at(self, x: float) -> float:
        return self.t.scroll + (x - HEADER_W) / self.t.zoom

    def lane_heights(self) -> list[float]:
        """Lane heights; spare height goes to the two sound lanes."""
        base = [h for _, h in LANES]
        spare = max(0.0, self.height() - RULER_H - sum(base)) / 2
        return [base[0], base[1] + spare, base[2] + spare]

    def lane_rect(self, index: int) -> QRectF:
        heights = self.lane_heights()
        top = RULER_H + sum(heights[:index])
        return QRectF(HEADER_W, top, self.width() - HEADER_W, heights[index])

    # -- painting ------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), theme.BACKGROUND)
        for i in range(len(LANES)):
            p.fillRect(self.lane_rect(i), theme.LANE if i % 2 == 0 else theme.LANE_ALT)
        self._paint_selection(p, self.rect().height())
        self._paint_thumbnails(p)
        self._paint_selection(p, self.lane_rect(0).bottom())  # tint the selected pictures too
        self._paint_source(p, self.lane_rect(1))
        self._paint_foley(p, self.lane_rect(2))
        self._paint_selection_edges(p)
        self._paint_ruler(p)
        self._paint_headers(p)
        self._paint_playhead(p)
        p.end()

    def _paint_ruler(self, p: QPainter) -> None:
        p.fillRect(QRectF(0, 0, self.width(), RULER_H), theme.HEADER)
        fps = self.t.fps
        step = next((s for s in TICK_STEPS if s * self.t.zoom >= 96), TICK_STEPS[-1])
        first = np.floor(self.t.scroll / step) * step
        p.setFont(QFont("monospace", 8))
        t = first
        while self.x_of(t) < self.width():
            x = self.x_of(t)
            if x >= HEADER_W:
                p.setPen(QPen(theme.GRID))
                p.drawLine(QPointF(x, RULER_H - 10), QPointF(x, self.height()))
                p.setPen(QPen(theme.TEXT))
                p.drawText(QPointF(x + 4, RULER_H - 12), timecode(t, fps))
                for k in range(1, 4):
                    xm = self.x_of(t + k * step / 4)
                    p.setPen(QPen(theme.TEXT_DIM))
                    p.drawLine(QPointF(xm, RULER_H - 5), QPointF(xm, RULER_H))
            t += step
        p.setPen(QPen(QColor("#111214")))
        p.drawLine(QPointF(0, RULER_H - 0.5), QPointF(self.width(), RULER_H - 0.5))

    def _paint_headers(self, p: QPainter) -> None:
        p.fillRect(QRectF(0, 0, HEADER_W, self.height()), theme.HEADER)
        p.setFont(QFont("sans", 9, QFont.Weight.Bold))
        p.setPen(QPen(theme.TEXT_DIM))
        p.drawText(QRectF(8, 0, HEADER_W - 8, RULER_H), Qt.AlignmentFlag.AlignVCenter,
                   timecode(self.t.playhead, self.t.fps))
        colours = (theme.TEXT, theme.SOURCE_WAVE, theme.FOLEY)
        for i, (name, _) in enumerate(LANES):
            r = self.lane_rect(i)
            p.fillRect(QRectF(0, r.top(), 4, r.height()), colours[i])
            p.setPen(QPen(theme.TEXT))
            p.drawText(QRectF(12, r.top(), HEADER_W - 14, r.height()),
                       Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap, name)
            p.setPen(QPen(QColor("#111214")))
            p.drawLine(QPointF(0, r.bottom()), QPointF(self.width(), r.bottom()))
        p.drawLine(QPointF(HEADER_W - 0.5, 0), QPointF(HEADER_W - 0.5, self.height()))

    def thumb_slots(self) -> tuple[list[tuple[QRectF, float]], float]:
        """The picture lane's thumbnail boxes with the time at each one's centre, and the
        seconds one box spans; empty before a clip is shown."""
        thumbs, r = self.t.thumb_images, self.lane_rect(0)
        if not thumbs:
            return [], 0.0
        h = r.height() - 4
        w = h * thumbs[0][1].width() / max(1, thumbs[0][1].height())
        slots, x = [], r.left()
        while x < r.right():
            t = self.time_at(x + w / 2)
            if 0 <= t <= self.t.duration:
                slots.append((QRectF(x, r.top() + 2, w, h), t))
            x += w + 1
        return slots, (w + 1) / self.t.zoom

    def _paint_thumbnails(self, p: QPainter) -> None:
        slots, _ = self.thumb_slots()
        for box, t in slots:
            p.drawImage(box, self.t.thumbnail_near(t))

    def _paint_source(self, p: QPainter, r: QRectF) -> None:
        peaks = self.t.peaks
        if peaks is None:
            p.setPen(QPen(theme.TEXT_DIM))
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, "no soundtrack" if self.t.duration else "")
            return
        self._paint_peaks(p, r, peaks, 0.0, PEAK_RATE, theme.SOURCE_WAVE)

    def _paint_foley(self, p: QPainter, r: QRectF) -> None:
        project = self.t.project
        for clip in project.lane:
            item = project.take(clip.take_id)
            peaks = self.t.take_peaks(item.id, item.take.audio, item.take.sample_rate)
            x0, x1 = self.x_of(clip.start), self.x_of(clip.start + item.take.duration)
            box = QRectF(x0, r.top() + 3, max(2.0, x1 - x0), r.height() - 6)
            colour = theme.INPAINT if item.take.mode == "inpaint" else theme.FOLEY
            selected = clip.id == self.t.selected_clip
            p.setPen(QPen(QColor("white") if selected else colour, 2 if selected else 1))
            p.setBrush(QColor(colour.red(), colour.green(), colour.blue(), 110 if selected else 70))
            p.drawRoundedRect(box, 3, 3)
            gain = 0.9 / max(float(np.abs(peaks).max()), 1e-4)  # takes are drawn peak-normalised
            self._paint_peaks(p, box.adjusted(0, 12, 0, 0), peaks * gain, clip.start, PEAK_RATE, colour)
            p.setPen(QPen(QColor("white")))
            p.setFont(QFont("sans", 8))
            p.drawText(box.adjusted(4, 1, -2, 0), Qt.AlignmentFlag.AlignTop, item.name)

    def _paint_peaks(self, p: QPainter, r: QRectF, peaks: np.ndarray, start: float,
                     rate: int, colour: QColor) -> None:
        mid, half = r.center().y(), r.height() / 2 - 2
        p.setPen(QPen(colour))
        left, right = max(r.left(), float(HEADER_W)), min(r.right(), float(self.width()))
        for x in range(int(left), int(right)):
            a = int((self.time_at(x) - start) * rate)
            b = max(a + 1, int((self.time_at(x + 1) - start) * rate))
            if b <= 0 or a >= len(peaks):
                continue
            block = peaks[max(a, 0):b]  # (n, 2)
            lo, hi = float(block[:, 0].min()), float(block[:, 1].max())
            p.drawLine(QPointF(x, mid - hi * half), QPointF(x, mid - lo * half))

    def _paint_selection(self, p: QPainter, bottom: float) -> None:
        sel = self.t.project.selection
        if sel is not None:
            x0, x1 = self.x_of(sel.start), self.x_of(sel.end)
            p.fillRect(QRectF(x0, RULER_H, max(2.0, x1 - x0), bottom - RULER_H), theme.SELECTION)

    def _paint_selection_edges(self, p: QPainter) -> None:
        sel = self.t.project.selection
        if sel is None:
            return
        x0, x1 = self.x_of(sel.start), self.x_of(sel.end)
        p.setPen(QPen(theme.SELECTION_EDGE, 1.5))
        p.drawLine(QPointF(x0, RULER_H), QPointF(x0, self.height()))
        p.drawLine(QPointF(x1, RULER_H), QPointF(x1, self.height()))
        p.fillRect(QRectF(x0, RULER_H - 4, max(2.0, x1 - x0), 4), theme.SELECTION_EDGE)

    def _paint_playhead(self, p: QPainter) -> None:
        x = self.x_of(self.t.playhead)
        if x < HEADER_W:
            return
        p.setPen(QPen(theme.PLAYHEAD, 1.5))
        p.drawLine(QPointF(x, RULER_H - 8), QPointF(x, self.height()))
        p.setBrush(theme.PLAYHEAD)
        p.drawPolygon(QPolygonF([QPointF(x - 6, RULER_H - 14), QPointF(x + 6, RULER_H - 14),
                                 QPointF(x, RULER_H - 6)]))

    # -- mouse -----------------------------------------------------------------------------
    def clip_at(self, x: float, y: float) -> Optional[str]:
        """Id of the lane clip under ``(x, y)``, if any (the topmost one)."""
        if not self.lane_rect(2).contains(QPointF(x, y)):
            return None
        t = self.time_at(x)
        hits = [c.id for c in self.t.project.lane
                if c.start <= t < c.start + self.t.project.take(c.take_id).take.duration]
        return hits[-1] if hits else None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        x, y = event.position().x(), event.position().y()
        if event.button() != Qt.MouseButton.LeftButton or x < HEADER_W or not self.t.duration:
            return
        self._press, self._press_x, self._dragging = self.time_at(x), x, False
        clip_id = self.clip_at(x, y)
        self.t.selected_clip = clip_id
        if clip_id is not None:
            self._gestures += 1
            start = next(c.start for c in self.t.project.lane if c.id == clip_id)
            self._clip_drag = (clip_id, start)
            self.update()
            return
        self.t.seek_requested.emit(self.t.clamp(self._press))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None:
            return
        x = event.position().x()
        self._dragging = self._dragging or abs(x - self._press_x) >= DRAG_PIXELS
        if not self._dragging:
            return
        if self._clip_drag is not None:
            clip_id, start = self._clip_drag
            self.t.clip_moved.emit(clip_id, max(0.0, start + self.time_at(x) - self._press), self._gestures)
        else:
            self.t.select(Selection.between(self._press, self.time_at(x), self.t.duration))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._press is None:
            return
        if not self._dragging and self._clip_drag is None:
            self.t.select(Selection.at_frame(self._press, self.t.fps, self.t.duration))
        self._press, self._clip_drag = None, None

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.t.zoom_by(1.25 ** steps, around=self.time_at(event.position().x()))
        else:
            self.t.set_scroll(self.t.scroll - steps * 80 / self.t.zoom)


class QtTimeline(QWidget):
    """Ruler, lanes and a horizontal scroll bar over the project's video."""

    seek_requested = pyqtSignal(float)
    clip_moved = pyqtSignal(str, float, int)  # clip id, new start, drag gesture number
    thumbnails_wanted = pyqtSignal(list)  # frame-centre seconds the zoomed view has no picture for

    def __init__(self, project: Project, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.project = project
        self.fps, self.duration = 25.0, 0.0
        self.zoom, self.scroll, self.playhead = 80.0, 0.0, 0.0  # px per second, seconds, seconds
        self.thumb_images: list[tuple[float, QImage]] = []  # ascending times
        self._overview_thumbs: list[tuple[float, QImage]] = []
        self._fine_thumbs: dict[float, QImage] = {}
        self._thumb_times = np.zeros(0)  # (N,) times of thumb_images
        self._thumb_timer = QTimer(self)
        self._thumb_timer.setSingleShot(True)
        self._thumb_timer.setInterval(THUMB_DELAY_MS)
        self._thumb_timer.timeout.connect(self._ask_for_thumbnails)
        self.peaks: Optional[np.ndarray] = None
        self._take_peaks: dict[str, np.ndarray] = {}
        self.selected_clip: Optional[str] = None
        self.canvas = _Canvas(self)
        self.scrollbar = QScrollBar(Qt.Orientation.Horizontal, self)
        self.scrollbar.valueChanged.connect(lambda v: self.set_scroll(v / 1000, from_bar=True))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.canvas)
        layout.addWidget(self.scrollbar)
        project.changed.connect(self._on_project_changed)

    def set_overview(self, overview: Optional[Overview]) -> None:
        """Show a decoded clip (``None`` clears the timeline)."""
        self.fps = overview.fps if overview else 25.0
        self.duration = overview.duration if overview else 0.0
        self._overview_thumbs = [(t, to_qimage(img)) for t, img in overview.thumbnails] if overview else []
        self._fine_thumbs = {}
        self._merge_thumbnails()
        self.peaks = overview.peaks if overview else None
        self.zoom_to_fit()

    def add_thumbnails(self, pairs: list[tuple[float, np.ndarray]]) -> None:
        """Show exact-frame thumbnails ``(t, (h, w, 3) uint8)`` decoded for the zoomed view."""
        for t, image in pairs:  # the decode thread keeps the times inside the clip
            self._fine_thumbs[float(t)] = to_qimage(image)
        if len(self._fine_thumbs) > MAX_FINE_THUMBS:  # keep those nearest the view
            centre = self.scroll + (self.canvas.width() - HEADER_W) / self.zoom / 2
            keep = sorted(self._fine_thumbs, key=lambda t: abs(t - centre))[:MAX_FINE_THUMBS]
            self._fine_thumbs = {t: self._fine_thumbs[t] for t in keep}
        self._merge_thumbnails()
        self.canvas.update()

    def thumbnail_near(self, t: float) -> QImage:
        """The thumbnail whose time is nearest ``t`` (there must be one)."""
        return self.thumb_images[int(np.abs(self._thumb_times - t).argmin())][1]

    def missing_thumbnails(self) -> list[float]:
        """Frame-centre times of visible thumbnail boxes with no picture within half a box
        (or half a frame, zoomed in to single frames)."""
        slots, span = self.canvas.thumb_slots()
        if not slots:
            return []
        fps = self.fps if self.fps > 0 else 25.0
        centres = {min((np.floor(t * fps) + 0.5) / fps, self.duration - 0.25 / fps) for _, t in slots}
        wanted = np.array(sorted(centres))  # (M,)
        nearest = np.abs(self._thumb_times[None, :] - wanted[:, None]).min(1)  # (M,)
        return [float(t) for t in wanted[nearest > max(span / 2, 0.5 / fps)]]

    def _ask_for_thumbnails(self) -> None:
        wanted = self.missing_thumbnails()
        if wanted:
            self.thumbnails_wanted.emit(wanted)

    def _merge_thumbnails(self) -> None:
        both = self._overview_thumbs + list(self._fine_thumbs.items())
        self.thumb_images = sorted(both, key=lambda pair: pair[0])
        self._thumb_times = np.array([t for t, _ in self.thumb_images])  # (N,) ascending

    def take_peaks(self, take_id: str, audio: np.ndarray, rate: int) -> np.ndarray:
        """Cached waveform peaks of a take."""
        if take_id not in self._take_peaks:
            self._take_peaks[take_id] = waveform_peaks(audio, rate)
        return self._take_peaks[take_id]

    def select(self, selection: Selection) -> None:
        """Make ``selection`` the project's selection."""
        self.project.set_selection(selection)

    def clamp(self, t: float) -> float:
        """``t`` limited to the clip."""
        return min(max(t, 0.0), self.duration)

    def set_playhead(self, t: float) -> None:
        """Move the playhead, scrolling to keep it in view."""
        self.playhead = self.clamp(t)
        visible = (self.canvas.width() - HEADER_W) / self.zoom
        if not self.scroll <= self.playhead <= self.scroll + visible:
            self.set_scroll(self.playhead - 0.1 * visible)
        self.canvas.update()

    def zoom_to_fit(self) -> None:
        """Show the whole clip."""
        width = max(100, self.canvas.width() - HEADER_W - 8)
        self.zoom = width / self.duration if self.duration else 80.0
        self.set_scroll(0.0)

    def zoom_by(self, factor: float, around: Optional[float] = None) -> None:
        """Zoom in (factor > 1) or out, keeping time ``around`` under the same pixel."""
        around = self.playhead if around is None else around
        x = self.canvas.x_of(around)
        self.zoom = float(np.clip(self.zoom * factor, 2.0, 4000.0))
        self.set_scroll(around - (x - HEADER_W) / self.zoom)

    def set_scroll(self, seconds: float, from_bar: bool = False) -> None:
        """Scroll so ``seconds`` is at the left edge of the lanes."""
        visible = (self.canvas.width() - HEADER_W) / self.zoom
        self.scroll = float(np.clip(seconds, 0.0, max(0.0, self.duration - visible)))
        if not from_bar:
            self.scrollbar.blockSignals(True)
            self.scrollbar.setRange(0, int(max(0.0, self.duration - visible) * 1000))
            self.scrollbar.setPageStep(int(visible * 1000))
            self.scrollbar.setValue(int(self.scroll * 1000))
            self.scrollbar.blockSignals(False)
        if self.thumb_images:
            self._thumb_timer.start()  # once the view settles
        self.canvas.update()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.set_scroll(self.scroll)

    def _on_project_changed(self, what: str) -> None:
        if what == "takes":
            live = {t.id for t in self.project.takes}
            self._take_peaks = {k: v for k, v in self._take_peaks.items() if k in live}
        if what == "lane" and self.selected_clip not in {c.id for c in self.project.lane}:
            self.selected_clip = None
        self.canvas.update()
