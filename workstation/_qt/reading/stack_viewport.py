"""The 2D stack viewport: windows the current slice to 8 bits with a lookup table and paints it with QPainter.

VTK on a software renderer cannot hold 60 frames/s at 1024x1024 (ENVIRONMENT.md); a numpy LUT plus one
scaled QImage blit does, and leaves the overlays to QPainter as well. Mouse input becomes abstract
PointerEvents for the tools; keys are left to the reading view, which maps them to commands.
"""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen, QTransform, QWheelEvent
from PySide6.QtWidgets import QWidget

from workstation._qt.reading.overlays import (
    PREVIEW_COLOUR, draw_measurement, draw_reference_line, draw_text_overlays,
)
from workstation.tools.measuring import MeasuringTool
from workstation.tools.pointer import Button, PointerEvent, ToolContext
from workstation.tools.toolbox import Toolbox
from workstation.viewer.display_lut import DisplayLut
from workstation.viewer.reading_session import ReadingSession
from workstation.viewer.reference_lines import reference_line_in_image, shares_frame_of_reference
from workstation.viewer.view_transform import ViewTransform
from workstation.viewer.viewport import ZOOM_STEP, Viewport

log = logging.getLogger(__name__)

DISPLAY_SET_MIME = "application/x-workstation-display-set"
ACTIVE_BORDER = QColor(255, 170, 0)
INACTIVE_BORDER = QColor(60, 60, 60)
_BUTTONS = {
    Qt.MouseButton.LeftButton: Button.LEFT,
    Qt.MouseButton.MiddleButton: Button.MIDDLE,
    Qt.MouseButton.RightButton: Button.RIGHT,
}


def qt_transform(transform: ViewTransform) -> QTransform:
    m = transform.matrix
    return QTransform(m[0, 0], m[1, 0], m[0, 1], m[1, 1], m[0, 2], m[1, 2])


class StackViewport(QWidget):
    """Shows ``session.viewports[viewport_index]``; the reading view reassigns the index on layout changes."""

    activated = Signal(int)  # viewport index: a mouse press or the wheel made this viewport the active one
    changed = Signal()  # the tool changed the session (the view repaints linked viewports)
    stack_dropped = Signal(int, int)  # viewport index, display set index
    pixelated_from = 4.0  # screen pixels per image pixel from which pixels show as squares, not smoothed

    def __init__(self, session: ReadingSession, viewport_index: int, toolbox: Toolbox,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.viewport_index = viewport_index
        self.toolbox = toolbox
        self._lut = DisplayLut()
        self._image_key: tuple | None = None
        self._values: np.ndarray | None = None  # the slice the cached image was made from
        self._image: QImage | None = None
        self._grey: np.ndarray | None = None
        self._tool = None
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(64, 64)

    @property
    def viewport(self) -> Viewport:
        return self.session.viewports[self.viewport_index]

    def transform(self) -> ViewTransform | None:
        return self.viewport.view_transform(self.width(), self.height())

    # --- painting ---
    def display_image(self) -> QImage | None:
        """The current slice windowed to 8 bits, cached until the slice, window or inversion changes."""
        viewport = self.viewport
        values = viewport.current_pixels()
        if values is None:
            return None
        invert = viewport.invert != viewport.stack.presentation_inverted
        window = viewport.effective_window() if values.ndim == 2 else None
        key = (window, invert)
        if values is not self._values or key != self._image_key:
            self._values = values
            if values.ndim == 3:  # colour: already display RGB
                self._grey = np.ascontiguousarray(values if not invert else 255 - values)
                rows, columns = self._grey.shape[:2]
                self._image = QImage(self._grey.data, columns, rows, columns * 3, QImage.Format.Format_RGB888)
            else:
                self._grey = np.ascontiguousarray(self._lut.apply(values, window, invert))
                rows, columns = self._grey.shape
                self._image = QImage(self._grey.data, columns, rows, columns, QImage.Format.Format_Grayscale8)
            self._image_key = key
        return self._image

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()  # an exception must not leave the backing store with an active painter

    def _paint(self, painter: QPainter) -> None:
        painter.fillRect(self.rect(), Qt.GlobalColor.black)
        viewport = self.viewport
        transform = self.transform()
        image = self.display_image() if transform is not None else None
        rect = QRectF(self.rect())
        if image is not None:
            painter.setTransform(qt_transform(transform))
            plane = viewport.current_plane()
            magnification = transform.scale * min(plane.row_spacing, plane.column_spacing)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, bool(magnification < self.pixelated_from))
            painter.drawImage(QPointF(0, 0), image)
            painter.resetTransform()
        elif viewport.stack is not None and viewport.image_count:
            painter.setPen(QColor(200, 200, 200))
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter),
                             f"Loading image {viewport.slice_index + 1} of {viewport.image_count}…")
        elif viewport.stack is None and viewport.expected:
            painter.setPen(QColor(200, 200, 200))
            painter.drawText(rect.adjusted(8, 8, -8, -8), int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                             viewport.expected)
        if transform is not None and viewport.stack is not None:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            previews = [p for p in self.toolbox.previews() if self.viewport_index == self.session.active_index
                        and p.stack_uid == viewport.stack.uid and p.slice_index == viewport.slice_index]
            being_edited = {p.measurement_id for p in previews}
            for measurement in self.session.measurements.on_image(viewport.stack.uid, viewport.slice_index):
                if measurement.measurement_id not in being_edited:
                    draw_measurement(painter, measurement, transform, viewport)
            for preview in previews:
                draw_measurement(painter, preview, transform, viewport, PREVIEW_COLOUR)
            active = self.session.active_viewport
            if (active is not viewport and shares_frame_of_reference(active, viewport)
                    and self.session.sync.shows_reference_line(active, viewport)):
                line = reference_line_in_image(viewport.current_plane(), active.current_plane())
                if line is not None:
                    draw_reference_line(painter, transform, *line)
            for plane in self.session.reference_planes_for(viewport):  # the MPR crosshair's planes
                line = reference_line_in_image(viewport.current_plane(), plane)
                if line is not None:
                    draw_reference_line(painter, transform, *line)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        if viewport.overlays_visible:
            draw_text_overlays(painter, rect, viewport, transform)
        active = self.viewport_index == self.session.active_index and len(self.session.visible_viewports) > 1
        painter.setPen(QPen(ACTIVE_BORDER if active else INACTIVE_BORDER, 2 if active else 1))
        painter.drawRect(rect.adjusted(0.5, 0.5, -1, -1))

    # --- pointer input ---
    def _pointer_event(self, event: QMouseEvent, button: Button = Button.NONE) -> PointerEvent | None:
        transform = self.transform()
        if transform is None:
            return None
        position = event.position()
        image_point = transform.to_image((position.x(), position.y()))[0]
        modifiers = event.modifiers()
        return PointerEvent((position.x(), position.y()), (float(image_point[0]), float(image_point[1])), button,
                            shift=bool(modifiers & Qt.KeyboardModifier.ShiftModifier),
                            ctrl=bool(modifiers & Qt.KeyboardModifier.ControlModifier))

    def _context(self) -> ToolContext:
        transform = self.transform()
        return ToolContext(self.session, self.viewport, transform.scale if transform else 1.0, transform)

    def _make_active(self) -> None:
        if self.viewport_index != self.session.active_index:
            self.session.activate(self.viewport_index)
            self.activated.emit(self.viewport_index)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._make_active()
        button = _BUTTONS.get(event.button())
        pointer = self._pointer_event(event, button) if button else None
        if pointer is None:
            return
        if button is Button.LEFT and pointer.shift:  # click-to-locate in the other viewports
            self.session.locate(self.viewport, pointer.image_position)
            self._after_tool()
            return
        self._tool = self.toolbox.for_button(button, self.session.active_tool)
        self._tool.press(self._context(), pointer)
        self._after_tool()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pointer = self._pointer_event(event)
        if pointer is None:
            return
        if self._tool is not None:
            self._tool.move(self._context(), pointer)
            self._after_tool()
            return
        active = self.toolbox.tools.get(self.session.active_tool)
        if isinstance(active, MeasuringTool) and active.active:
            active.hover(self._context(), pointer)
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pointer = self._pointer_event(event, _BUTTONS.get(event.button(), Button.NONE))
        if self._tool is not None and pointer is not None:
            self._tool.release(self._context(), pointer)
        self._tool = None
        self._after_tool()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        """Wheel down moves forward through the stack of the viewport under the pointer; with Ctrl it zooms
        about the pointer."""
        delta = event.angleDelta().y()
        if not delta:
            return
        self._make_active()
        steps = round(delta / 120) or (1 if delta > 0 else -1)
        transform = self.transform()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier and transform is not None:
            offset = (event.position().x() - self.width() / 2, event.position().y() - self.height() / 2)
            self.viewport.zoom_about(ZOOM_STEP ** steps, offset, transform.scale)
            self.session.sync.propagate(self.viewport)
        else:
            self.session.scroll_active(-steps)
        self._after_tool()

    def _after_tool(self) -> None:
        self.update()
        self.changed.emit()

    # --- drag and drop of display sets from the series strip ---
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasFormat(DISPLAY_SET_MIME):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        data = bytes(event.mimeData().data(DISPLAY_SET_MIME)).decode()
        if data.isdigit():
            self.stack_dropped.emit(self.viewport_index, int(data))
            event.acceptProposedAction()

