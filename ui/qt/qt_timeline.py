"""The timeline: timecode ruler, thumbnail strip and the project's lanes (production audio,
Foley stems, sync hits).

Click the ruler or an empty stretch of a lane to put the playhead on a frame (the selection
stays); drag to select a region; Ctrl+click selects the clicked frame (a still for Foley from
picture) and Shift+click moves the selection's nearer edge to the click. All snap to frame
boundaries. On a sync lane a double-click adds a hit, a hit drags from frame to frame, and
Delete or Backspace removes the selected hit. The M and S boxes in an audio lane's header mute
and solo it; a click elsewhere in a header picks the lane accepted takes go to, Shift+wheel
there sets its gain. A clip drags in time (and onto another Foley lane), its side edges trim
it and its top corners set its fades, all on frame boundaries; Shift+wheel over a clip sets
its gain; a right-click asks for a lane's or a clip's menu (:attr:`QtTimeline.menu_requested`).
The wheel scrolls, Ctrl+wheel (or +/-) zooms around the mouse. Zoomed in past the
overview's thumbnails, the timeline asks (:attr:`QtTimeline.thumbnails_wanted`) for the exact
frames its boxes show. The widget draws the project and the clip overview; it changes the
project only through :meth:`Project.set_selection` and reports seeks and edits through its
signals, which the window turns into undoable commands.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Optional

import numpy as np
from PyQt6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import (QColor, QContextMenuEvent, QFont, QImage, QKeyEvent, QMouseEvent,
                         QPainter, QPaintEvent, QPen, QPolygonF, QWheelEvent)
from PyQt6.QtWidgets import QScrollBar, QSizePolicy, QVBoxLayout, QWidget

from foley_studio.sync import SILENCE_DB
from foley_studio.timeline import frame_index, frame_start, snap_to_frame
from ui.model.lanes import CLIP_KINDS, EDITED, FOLEY, Lane, LaneClip, audible, hit_near
from ui.model.project import Project
from ui.model.selection import Selection, last_frame
from ui.qt import theme
from ui.services.media import PEAK_RATE, Overview, waveform_peaks

HEADER_W = 118
RULER_H = 28
PICTURE_H = 58
HEIGHTS = {"production": 52, "edited": 52, "foley": 52, "sync": 40}
"""Each lane kind's least height; spare room goes to the audio lanes, so a session of many lanes
still fits the window."""
COLOURS = {"production": theme.SOURCE_WAVE, "edited": theme.INPAINT, "foley": theme.FOLEY,
           "sync": theme.SYNC}
TICK_STEPS = (1 / 25, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600)
DRAG_PIXELS = 4
EDGE_PIXELS = 6
"""How near a clip's side edge a press trims it."""
FADE_BAND = 12
"""The band at a clip's top where a press near a corner (or fade end) drags the fade."""
GAIN_STEP_DB = 1.0
"""What one Shift+wheel notch adds to a clip's or lane's gain."""
HIT_PIXELS = 6
"""How near a hit's marker a click must land to grab it."""
DELETE_KEYS = (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
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
    """Paints the lanes and turns mouse gestures into seeks, selections and lane edits."""

    def __init__(self, timeline: "QtTimeline") -> None:
        super().__init__(timeline)
        self.t = timeline
        self.setMouseTracking(False)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.fit_lanes()
        self._press: Optional[float] = None
        self._press_x = 0.0
        self._dragging = False
        self._clip_drag: Optional[tuple[LaneClip, str]] = None  # (clip at the press, grip)
        self._hit_drag: Optional[float] = None  # the dragged hit's time at the press
        self._playhead_at_press = 0.0
        self._gestures = 0

    def fit_lanes(self) -> None:
        """Make room for every lane."""
        self.setMinimumHeight(RULER_H + PICTURE_H + sum(HEIGHTS[lane.kind] for lane in self.lanes()) + 4)

    def lanes(self) -> list[Lane]:
        """The project's lanes, in the order drawn below the picture row."""
        return self.t.project.lanes

    # -- geometry ------------------------------------------------------------------------
    def x_of(self, seconds: float) -> float:
        return HEADER_W + (seconds - self.t.scroll) * self.t.zoom

    def time_at(self, x: float) -> float:
        return self.t.scroll + (x - HEADER_W) / self.t.zoom

    def lane_heights(self) -> list[float]:
        """Row heights: the picture row, then one per lane; spare height goes to audio lanes."""
        base = [HEIGHTS[lane.kind] for lane in self.lanes()]
        audio = sum(1 for lane in self.lanes() if lane.is_audio) or 1
        spare = max(0.0, self.height() - RULER_H - PICTURE_H - sum(base)) / audio
        return [PICTURE_H] + [h + (spare if lane.is_audio else 0.0) for h, lane in zip(base, self.lanes())]

    def lane_rect(self, index: int) -> QRectF:
        """Row ``index``: 0 is the picture, ``i`` the project's lane ``i - 1``."""
        heights = self.lane_heights()
        top = RULER_H + sum(heights[:index])
        return QRectF(HEADER_W, top, self.width() - HEADER_W, heights[index])

    def row_at(self, y: float) -> Optional[Lane]:
        """The lane drawn at height ``y`` (None on the ruler or the picture row)."""
        for index, lane in enumerate(self.lanes(), start=1):
            r = self.lane_rect(index)
            if r.top() <= y < r.bottom():
                return lane
        return None

    def toggle_rects(self, index: int) -> dict[str, QRectF]:
        """The M (mute) and S (solo) boxes in row ``index``'s header."""
        r = self.lane_rect(index)
        y = r.bottom() - 20
        return {"mute": QRectF(12, y, 18, 15), "solo": QRectF(34, y, 18, 15)}

    # -- painting ------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), theme.BACKGROUND)
        for i in range(len(self.lanes()) + 1):
            p.fillRect(self.lane_rect(i), theme.LANE if i % 2 == 0 else theme.LANE_ALT)
        self._paint_selection(p, self.rect().height())
        self._paint_thumbnails(p)
        self._paint_selection(p, self.lane_rect(0).bottom())  # tint the selected pictures too
        painters = {"production": self._paint_source, "edited": self._paint_edited,
                    "foley": self._paint_clips, "sync": self._paint_sync}
        for index, lane in enumerate(self.lanes(), start=1):
            painters[lane.kind](p, self.lane_rect(index), lane)
        self._paint_selection_edges(p)
        self._paint_ruler(p)
        self._paint_headers(p)
        self._paint_playhead(p)
        p.end()
    def _paint_ruler(self, p: QPainter) -> None:
        p.fillRect(QRectF(0, 0, self.width(), RULER_H), theme.HEADER)
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
                p.drawText(QPointF(x + 4, RULER_H - 12), self.t.project.clock.label(t))
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
                   self.t.project.clock.label(self.t.playhead))
        rows = [("Picture", theme.TEXT, None)] + [(lane.name, COLOURS[lane.kind], lane) for lane in self.lanes()]
        for i, (name, colour, lane) in enumerate(rows):
            r = self.lane_rect(i)
            if lane is not None and lane.id == self.t.selected_lane:
                p.fillRect(QRectF(0, r.top(), HEADER_W, r.height()), theme.LANE_ALT)
            p.fillRect(QRectF(0, r.top(), 4, r.height()), colour)
            p.setPen(QPen(theme.TEXT))
            p.setFont(QFont("sans", 9, QFont.Weight.Bold))
            p.drawText(QRectF(12, r.top() + 4, HEADER_W - 14, 30),
                       Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap, name)
            if lane is not None and lane.is_audio:
                self._paint_toggles(p, i, lane)
            p.setPen(QPen(QColor("#111214")))
            p.drawLine(QPointF(0, r.bottom()), QPointF(self.width(), r.bottom()))
        p.drawLine(QPointF(HEADER_W - 0.5, 0), QPointF(HEADER_W - 0.5, self.height()))

    def _paint_toggles(self, p: QPainter, index: int, lane: Lane) -> None:
        p.setFont(QFont("sans", 7, QFont.Weight.Bold))
        for key, box in self.toggle_rects(index).items():
            on = getattr(lane, key)
            p.setPen(QPen(theme.TEXT_DIM))
            p.setBrush(QColor("#e0b341" if key == "solo" else "#d9534f") if on else theme.LANE)
            p.drawRoundedRect(box, 2, 2)
            p.setPen(QPen(QColor("black") if on else theme.TEXT))
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, key[0].upper())
        if lane.gain_db:
            p.setPen(QPen(theme.TEXT_DIM))
            box = self.toggle_rects(index)["solo"]
            p.drawText(QPointF(box.right() + 6, box.bottom() - 3), f"{lane.gain_db:+.1f} dB")

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

    def _paint_source(self, p: QPainter, r: QRectF, lane: Lane) -> None:
        peaks = self.t.peaks
        if peaks is None:
            p.setPen(QPen(theme.TEXT_DIM))
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, "no soundtrack" if self.t.duration else "")
            return
        colour = theme.SOURCE_WAVE if audible(self.lanes(), lane) else theme.TEXT_DIM
        self._paint_peaks(p, r, peaks * lane.gain, 0.0, PEAK_RATE, colour)
        edited = self.t.project.edited_lane()
        if lane.mute and edited is not None and audible(self.lanes(), edited):
            p.setPen(QPen(theme.TEXT_DIM))
            p.setFont(QFont("sans", 8))
            p.drawText(r.adjusted(6, 2, 0, 0), Qt.AlignmentFlag.AlignTop,
                       f"muted: {edited.name} plays instead")

    def _paint_edited(self, p: QPainter, r: QRectF, lane: Lane) -> None:
        """The production audio faintly (what sounds between repairs), the repairs over it."""
        if self.t.peaks is not None:
            faint = QColor(theme.SOURCE_WAVE.red(), theme.SOURCE_WAVE.green(), theme.SOURCE_WAVE.blue(),
                           120 if audible(self.lanes(), lane) else 50)
            self._paint_peaks(p, r, self.t.peaks * lane.gain, 0.0, PEAK_RATE, faint)
        for clip in lane.clips:  # under a repair the original does not sound: do not draw it
            p.fillRect(self.clip_box(r, clip), theme.LANE)
        self._paint_clips(p, r, lane)

    def _paint_clips(self, p: QPainter, r: QRectF, lane: Lane) -> None:
        heard = audible(self.lanes(), lane)
        for clip in lane.clips:
            item = self.t.project.take(clip.take_id)
            colour = theme.INPAINT if item.take.mode == "inpaint" else theme.FOLEY
            self._paint_clip(p, self.clip_box(r, clip), clip, colour if heard else theme.TEXT_DIM)

    def _paint_clip(self, p: QPainter, box: QRectF, clip: LaneClip, colour: QColor) -> None:
        item = self.t.project.take(clip.take_id)
        selected = clip.id == self.t.selected_clip
        p.setPen(QPen(QColor("white") if selected else colour, 2 if selected else 1))
        p.setBrush(QColor(colour.red(), colour.green(), colour.blue(), 110 if selected else 70))
        p.drawRoundedRect(box, 3, 3)
        peaks = self.t.take_peaks(item.id, item.take.audio, item.take.sample_rate)
        gain = 0.9 / max(float(np.abs(peaks).max()), 1e-4)  # takes are drawn peak-normalised
        self._paint_peaks(p, box.adjusted(0, 12, 0, 0), peaks * gain * min(clip.gain, 1.5),
                          clip.start - clip.offset, PEAK_RATE, colour)
        self._paint_fades(p, box, clip, selected)
        p.setPen(QPen(QColor("white")))
        p.setFont(QFont("sans", 8))
        label = item.name + (f"  {clip.gain_db:+.1f} dB" if clip.gain_db else "")
        p.drawText(box.adjusted(4, 1, -2, 0), Qt.AlignmentFlag.AlignTop, label)

    def _paint_fades(self, p: QPainter, box: QRectF, clip: LaneClip, selected: bool) -> None:
        """Fade curves from the bottom corners to the fade ends; handles when selected."""
        x_in, x_out = self.fade_xs(clip)
        p.setPen(QPen(QColor("white"), 1))
        p.drawLine(QPointF(box.left(), box.bottom()), QPointF(x_in, box.top()))
        p.drawLine(QPointF(x_out, box.top()), QPointF(box.right(), box.bottom()))
        if selected:
            p.setBrush(QColor("white"))
            for x in (x_in, x_out):
                p.drawRect(QRectF(x - 3, box.top() - 1, 6, 6))
            p.fillRect(QRectF(box.left(), box.top() + FADE_BAND, 3, box.height() - FADE_BAND), QColor("white"))
            p.fillRect(QRectF(box.right() - 3, box.top() + FADE_BAND, 3, box.height() - FADE_BAND),
                       QColor("white"))

    def _paint_sync(self, p: QPainter, r: QRectF, lane: Lane) -> None:
        """The envelope as a faint curve, each hit as a stem whose height is its strength."""
        track, base = lane.sync, r.bottom() - 3
        if track.envelope is not None:
            env = track.envelope
            xs = [self.x_of(env.start + i / env.rate) for i in range(len(env.db))]
            ys = [base - (db - SILENCE_DB) / -SILENCE_DB * (r.height() - 8) for db in env.db]
            p.setPen(QPen(QColor(theme.SYNC.red(), theme.SYNC.green(), theme.SYNC.blue(), 90), 1))
            p.drawPolyline(QPolygonF([QPointF(x, y) for x, y in zip(xs, ys)]))
        selected = self.t.selected_hit
        for hit in track.hits:
            x = self.x_of(hit.time)
            if x < HEADER_W - HIT_PIXELS or x > self.width() + HIT_PIXELS:
                continue
            chosen = selected is not None and selected == (lane.id, hit.time)
            colour = QColor("white") if chosen else theme.SYNC
            top = base - (0.25 + 0.75 * hit.strength) * (r.height() - 10)
            p.setPen(QPen(colour, 2 if chosen else 1.5))
            p.drawLine(QPointF(x, base), QPointF(x, top))
            p.setBrush(colour)
            p.drawPolygon(QPolygonF([QPointF(x, top - 5), QPointF(x + 4, top), QPointF(x, top + 5),
                                     QPointF(x - 4, top)]))

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

    # -- clips ------------------------------------------------------------------------------
    def duration_of(self, clip: LaneClip) -> float:
        """The duration of ``clip``'s take."""
        return self.t.project.take(clip.take_id).take.duration

    def clip_box(self, r: QRectF, clip: LaneClip) -> QRectF:
        """Where ``clip`` is drawn in lane row ``r``."""
        x0, x1 = self.x_of(clip.start), self.x_of(clip.end(self.duration_of(clip)))
        return QRectF(x0, r.top() + 3, max(2.0, x1 - x0), r.height() - 6)

    def fade_xs(self, clip: LaneClip) -> tuple[float, float]:
        """The x of the fade-in's end and the fade-out's start."""
        end = clip.end(self.duration_of(clip))
        return self.x_of(clip.start + clip.fade_in), self.x_of(end - clip.fade_out)

    def clip_at(self, x: float, y: float) -> Optional[str]:
        """Id of the clip under ``(x, y)`` on a lane of clips, if any (the topmost one)."""
        grip = self.grip_at(x, y)
        return grip[0].id if grip else None

    def grip_at(self, x: float, y: float) -> Optional[tuple[LaneClip, str]]:
        """The clip under ``(x, y)`` and the part grabbed: ``fade_in``/``fade_out`` (top
        corners), ``trim_start``/``trim_end`` (side edges) or ``body``."""
        lane = self.row_at(y)
        if lane is None or lane.kind not in CLIP_KINDS or x < HEADER_W:
            return None
        r = self.lane_rect(1 + self.lanes().index(lane))
        for clip in reversed(lane.clips):
            box = self.clip_box(r, clip)
            if box.left() - EDGE_PIXELS / 2 <= x <= box.right() + EDGE_PIXELS / 2:
                return clip, self._part(box, clip, x, y)
        return None

    def _part(self, box: QRectF, clip: LaneClip, x: float, y: float) -> str:
        x_in, x_out = self.fade_xs(clip)
        if y < box.top() + FADE_BAND:
            return "fade_in" if abs(x - x_in) <= abs(x - x_out) else "fade_out"
        if abs(x - box.left()) <= EDGE_PIXELS:
            return "trim_start"
        return "trim_end" if abs(x - box.right()) <= EDGE_PIXELS else "body"

    def dragged_clip(self, clip: LaneClip, part: str, delta: float) -> LaneClip:
        """``clip`` after its ``part`` moved ``delta`` seconds, on frame boundaries and inside
        its take (trims keep the fades that fit)."""
        frame, duration = 1.0 / self.t.fps, self.duration_of(clip)
        end, played = clip.end(duration), clip.played(duration)
        if part == "trim_start":
            start = min(max(self.t.snap(clip.start + delta), clip.start - clip.offset), end - frame)
            length = end - start
            return replace(clip, start=start, offset=max(0.0, clip.offset + start - clip.start),
                           length=length, fade_in=min(clip.fade_in, max(0.0, length - clip.fade_out)))
        if part == "trim_end":
            new_end = min(max(self.t.snap(end + delta), clip.start + frame),
                          clip.start + duration - clip.offset)
            length = new_end - clip.start
            return replace(clip, length=length,
                           fade_out=min(clip.fade_out, max(0.0, length - clip.fade_in)))
        room = played - (clip.fade_out if part == "fade_in" else clip.fade_in)
        old = clip.fade_in if part == "fade_in" else clip.fade_out
        fade = min(max(round((old + (delta if part == "fade_in" else -delta)) / frame) * frame, 0.0), room)
        return replace(clip, **{part: fade})

    # -- mouse and keys --------------------------------------------------------------------
    def hit_at(self, x: float, y: float) -> Optional[tuple[str, float]]:
        """``(lane id, time)`` of the hit whose marker is under ``(x, y)``, if any."""
        lane = self.row_at(y)
        if lane is None or lane.kind != "sync" or x < HEADER_W:
            return None
        hit = hit_near(lane.sync, self.time_at(x), HIT_PIXELS / self.t.zoom)
        return None if hit is None else (lane.id, hit.time)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        x, y = event.position().x(), event.position().y()
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if x < HEADER_W:
            self._press_header(x, y)
            return
        if not self.t.duration:
            return
        self._press, self._press_x, self._dragging = self.time_at(x), x, False
        self._playhead_at_press = self.t.playhead
        grip, hit = self.grip_at(x, y), self.hit_at(x, y)
        self.t.selected_clip, self.t.selected_hit = grip[0].id if grip else None, hit
        if grip is not None or hit is not None:
            self._gestures += 1
            if grip is not None:
                self._clip_drag = grip
            else:
                self._hit_drag = hit[1]
            self.update()
            return
        self.t.seek_requested.emit(self.t.clamp(self._press))

    def _press_header(self, x: float, y: float) -> None:
        for index, lane in enumerate(self.lanes(), start=1):
            for key, box in self.toggle_rects(index).items():
                if lane.is_audio and box.contains(QPointF(x, y)):
                    self.t.lane_toggled.emit(lane.id, key)
                    return
        lane = self.row_at(y)
        if lane is not None:
            self.t.selected_lane = lane.id
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None:
            return
        x = event.position().x()
        self._dragging = self._dragging or abs(x - self._press_x) >= DRAG_PIXELS
        if not self._dragging:
            return
        delta = self.time_at(x) - self._press
        if self._clip_drag is not None:
            self._drag_clip(delta)
        elif self._hit_drag is not None and self.t.selected_hit is not None:
            lane_id, now = self.t.selected_hit
            target = self.t.snap(self._hit_drag + delta)
            if abs(target - now) > 1e-9:
                self.t.hit_moved.emit(lane_id, now, target, self._gestures)
        else:
            a, b = self.t.clamp(self._press), self.t.snap(self.time_at(x))  # from the playhead
            if a != b:
                self.t.select(Selection.between(a, b, self.t.duration))

    def _drag_clip(self, delta: float) -> None:
        clip, part = self._clip_drag
        if part == "body" and self.t.project.lane_by_id(self.t.project.clip_lane(clip.id)).kind == EDITED:
            return  # a repair stays over its gap; its edges still trim and its corners fade
        if part == "body":
            self.t.clip_moved.emit(clip.id, max(0.0, self.t.snap(clip.start + delta)), self._gestures)
            return
        edited = self.dragged_clip(clip, part, delta)
        now = self.t.project.clip(clip.id)
        if edited != now:
            text = {"fade_in": "Fade in", "fade_out": "Fade out"}.get(part, "Trim clip")
            self.t.clip_changed.emit(edited, text, self._gestures)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._press is None:
            return
        if not self._dragging and self._clip_drag is None and self._hit_drag is None:
            self._click(event.modifiers())
        if self._clip_drag is not None and self._clip_drag[1] == "body":
            self._drop_on_lane(self._clip_drag[0].id, event.position().y())
        self._press, self._clip_drag, self._hit_drag = None, None, None

    def _drop_on_lane(self, clip_id: str, y: float) -> None:
        """A clip dragged onto another Foley lane moves there."""
        lane = self.row_at(y)
        if lane is not None and lane.kind == FOLEY and lane.id != self.t.project.clip_lane(clip_id):
            self.t.clip_lane_changed.emit(clip_id, lane.id)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        """A right-click asks for the menu of the clip, or else the lane, under the mouse."""
        x, y = event.pos().x(), event.pos().y()
        lane = self.row_at(y)
        if lane is None:
            return
        clip_id = self.clip_at(x, y) if x >= HEADER_W else None
        self.t.selected_clip = clip_id or self.t.selected_clip
        self.t.menu_requested.emit(lane.id, clip_id or "", event.globalPos())

    def _click(self, modifiers: Qt.KeyboardModifier) -> None:
        """A plain click only moved the playhead; Ctrl selects the clicked frame, Shift moves
        the selection's nearer edge (or makes a region from where the playhead was)."""
        if modifiers & Qt.KeyboardModifier.ControlModifier:
            self.t.select(Selection.at_frame(self._press, self.t.fps, self.t.duration))
        elif modifiers & Qt.KeyboardModifier.ShiftModifier:
            t, sel = self.t.snap(self._press), self.t.project.selection
            if sel is None or sel.frame:
                anchor = self._playhead_at_press if sel is None else sel.start
            else:
                anchor = sel.end if abs(t - sel.start) < abs(t - sel.end) else sel.start
            if anchor != t:
                self.t.select(Selection.between(anchor, t, self.t.duration))

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """On a sync lane, away from its hits: add a hit on the nearest frame boundary."""
        x, y = event.position().x(), event.position().y()
        lane = self.row_at(y)
        if event.button() == Qt.MouseButton.LeftButton and lane is not None and lane.kind == "sync" \
                and x >= HEADER_W and self.t.duration and self.hit_at(x, y) is None:
            self.t.hit_added.emit(lane.id, self.t.snap(self.time_at(x)))

    def event(self, event: QEvent) -> bool:
        """Delete and Backspace belong to the selected hit while the timeline has focus."""
        if event.type() == QEvent.Type.ShortcutOverride and self.t.selected_hit is not None \
                and event.key() in DELETE_KEYS:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in DELETE_KEYS and self.t.selected_hit is not None:
            self.t.hit_removed.emit(*self.t.selected_hit)
            return
        super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        steps = (delta.y() or delta.x()) / 120
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self._wheel_gain(event.position().x(), event.position().y(), steps)
        elif event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.t.zoom_by(1.25 ** steps, around=self.time_at(event.position().x()))
        else:
            self.t.set_scroll(self.t.scroll - steps * 80 / self.t.zoom)


    def _wheel_gain(self, x: float, y: float, steps: float) -> None:
        """Shift+wheel: the gain of the clip under the mouse, or of the lane whose header it is."""
        lane, clip_id = self.row_at(y), self.clip_at(x, y)
        if clip_id is not None:
            self.t.clip_gain_stepped.emit(clip_id, steps * GAIN_STEP_DB)
        elif lane is not None and lane.is_audio and x < HEADER_W:
            self.t.lane_gain_stepped.emit(lane.id, steps * GAIN_STEP_DB)


class QtTimeline(QWidget):
    """Ruler, lanes and a horizontal scroll bar over the project's video."""

    seek_requested = pyqtSignal(float)
    clip_moved = pyqtSignal(str, float, int)  # clip id, new start, drag gesture number
    hit_added = pyqtSignal(str, float)  # sync lane id, time (on a frame boundary)
    hit_moved = pyqtSignal(str, float, float, int)  # lane id, from, to, drag gesture number
    hit_removed = pyqtSignal(str, float)  # lane id, time
    lane_toggled = pyqtSignal(str, str)  # lane id, "mute" or "solo"
    clip_changed = pyqtSignal(object, str, int)  # the edited LaneClip, undo text, drag gesture
    clip_lane_changed = pyqtSignal(str, str)  # clip id, the Foley lane it was dropped on
    clip_gain_stepped = pyqtSignal(str, float)  # clip id, dB to add
    lane_gain_stepped = pyqtSignal(str, float)  # lane id, dB to add
    menu_requested = pyqtSignal(str, str, object)  # lane id, clip id ("" for none), QPoint
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
        self.selected_lane: Optional[str] = None  # the lane header last clicked
        self.selected_hit: Optional[tuple[str, float]] = None  # (sync lane id, hit time)
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
        """The start of the frame at ``t``, limited to the clip (where the playhead may go)."""
        return min(max(frame_start(t, self.fps), 0.0), self.duration)

    def snap(self, t: float) -> float:
        """``t`` on the nearest frame boundary inside the clip (selection edges, hits, clips)."""
        return min(max(snap_to_frame(t, self.fps), 0.0), self.duration)

    def last_frame(self) -> float:
        """The start of the video's last frame (where End puts the playhead)."""
        return last_frame(self.duration, self.fps) / self.fps

    def stepped(self, frames: int) -> float:
        """The start of the frame ``frames`` after the playhead's (before it when negative),
        kept inside the video; counted in whole frames, so steps never drift."""
        index = frame_index(self.playhead, self.fps) + frames
        return min(max(index, 0) / self.fps, self.last_frame())

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

    def zoom_to(self, start: float, end: float) -> None:
        """Fill the view with ``[start, end]`` and a little room either side (zoom to selection)."""
        span = max(end - start, 1.0 / self.fps)
        width = max(100, self.canvas.width() - HEADER_W - 8)
        self.zoom = min(width / (1.1 * span), 4000.0)
        self.set_scroll(start - 0.05 * span)

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
        if what == "lane" and self.selected_clip not in {c.id for c in self.project.all_clips}:
            self.selected_clip = None
        if self.selected_hit is not None and not self._hit_exists(*self.selected_hit):
            self.selected_hit = None
        if what == "lanes":
            self.canvas.fit_lanes()
            if self.selected_lane not in {lane.id for lane in self.project.lanes}:
                self.selected_lane = None
        self.canvas.update()

    def _hit_exists(self, lane_id: str, time: float) -> bool:
        lane = next((lane for lane in self.project.lanes if lane.id == lane_id), None)
        return lane is not None and time in lane.sync.times
