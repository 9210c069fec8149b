"""What is drawn over the image: four-corner text, orientation letters, a scale bar and measurements.

All in viewport pixels with QPainter; positions of image points come from the viewport's ViewTransform.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen

from workstation.viewer.image_plane import SpacingSource
from workstation.viewer.measurements import Measurement
from workstation.viewer.view_transform import ViewTransform
from workstation.viewer.viewport import Viewport

TEXT_COLOUR = QColor(235, 235, 235)
SHADOW_COLOUR = QColor(0, 0, 0)
MEASUREMENT_COLOUR = QColor(255, 215, 0)
PREVIEW_COLOUR = QColor(0, 200, 255)
REFERENCE_LINE_COLOUR = QColor(80, 220, 120)
MARGIN = 6
SCALE_BAR_STEPS_MM = (1, 2, 5, 10, 20, 50, 100, 200, 500)


def _format_date(value: str) -> str:
    return f"{value[:4]}-{value[4:6]}-{value[6:8]}" if len(value) == 8 and value.isdigit() else value


def corner_texts(viewport: Viewport, transform: ViewTransform | None) -> dict[str, list[str]]:
    """The lines of each corner: patient top-left, study top-right, series/image bottom-left, display bottom-right."""
    stack = viewport.stack
    if stack is None:
        return {}
    labels = stack.labels
    plane = viewport.current_plane()
    window = viewport.effective_window()
    image_line = f"Im: {viewport.slice_index + 1}/{viewport.image_count}"
    if not stack.is_complete:
        image_line += f"  (loaded {stack.loaded_count})"
    bottom_left = [f"Se: {labels.series_number} {labels.series_description}".rstrip(), image_line]
    if plane is not None and plane.has_orientation:
        bottom_left.append(f"Loc: {plane.slice_location:.1f} mm")
    if plane is not None and plane.slice_thickness:
        bottom_left.append(f"Thk: {plane.slice_thickness:.1f} mm")
    bottom_right = []
    if window is not None:
        bottom_right.append(f"W: {window.width:.0f} L: {window.center:.0f}" + (" (inv)" if viewport.invert else ""))
    if transform is not None:
        bottom_right.append(f"Zoom: {viewport.zoom * 100:.0f}%")
    if viewport.cine.playing:
        bottom_right.append(f"Cine {viewport.cine.fps:.0f} fps")
    top_right = [labels.institution_name, labels.study_description,
                 _format_date(labels.study_date) + ("  PRIOR" if stack.is_prior else ""), labels.accession_number]
    top_left = [labels.patient_name, labels.patient_id,
                " ".join(v for v in (_format_date(labels.patient_birth_date), labels.patient_sex) if v)]
    return {
        "top_left": [line for line in top_left if line],
        "top_right": [line for line in top_right if line],
        "bottom_left": bottom_left,
        "bottom_right": bottom_right,
    }


def _shadowed_text(painter: QPainter, rect: QRectF, flags: int, text: str, colour: QColor = TEXT_COLOUR) -> None:
    painter.setPen(SHADOW_COLOUR)
    painter.drawText(rect.translated(1, 1), flags, text)
    painter.setPen(colour)
    painter.drawText(rect, flags, text)


def draw_text_overlays(painter: QPainter, rect: QRectF, viewport: Viewport, transform: ViewTransform | None) -> None:
    font = QFont(painter.font())
    font.setPixelSize(max(10, min(14, int(rect.height() / 40))))
    painter.setFont(font)
    inner = rect.adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
    align = Qt.AlignmentFlag
    placement = {
        "top_left": align.AlignLeft | align.AlignTop,
        "top_right": align.AlignRight | align.AlignTop,
        "bottom_left": align.AlignLeft | align.AlignBottom,
        "bottom_right": align.AlignRight | align.AlignBottom,
    }
    corners = corner_texts(viewport, transform)
    for corner, lines in corners.items():
        _shadowed_text(painter, inner, int(placement[corner]), "\n".join(lines))
    letters = viewport.orientation_labels()
    if letters:
        bold = QFont(font)
        bold.setBold(True)
        painter.setFont(bold)
        _shadowed_text(painter, inner, int(align.AlignHCenter | align.AlignTop), letters["top"])
        _shadowed_text(painter, inner, int(align.AlignHCenter | align.AlignBottom), letters["bottom"])
        _shadowed_text(painter, inner, int(align.AlignVCenter | align.AlignLeft), letters["left"])
        _shadowed_text(painter, inner, int(align.AlignVCenter | align.AlignRight), letters["right"])
        painter.setFont(font)
    if transform is not None:
        text_below = len(corners["bottom_right"]) * painter.fontMetrics().lineSpacing()
        draw_scale_bar(painter, inner, viewport, transform, text_below)


def scale_bar_length_mm(pixels_per_mm: float, available_pixels: float) -> float | None:
    """The longest round length (1, 2, 5 x 10^n mm) that fits in the space given."""
    fitting = [mm for mm in SCALE_BAR_STEPS_MM if mm * pixels_per_mm <= available_pixels]
    return float(fitting[-1]) if fitting else None


def draw_scale_bar(painter: QPainter, rect: QRectF, viewport: Viewport, transform: ViewTransform,
                   text_below: float = 0.0) -> None:
    """A vertical bar with ticks at the right edge, below the orientation letter; labelled with its length.
    It ends above the ``text_below`` pixels of bottom-right text, so bar and label never run into it."""
    plane = viewport.current_plane()
    if plane is None or plane.spacing_source is SpacingSource.UNKNOWN:
        return
    top = rect.center().y() + 24
    label_height = 20
    space = min(rect.height() * 0.3, rect.bottom() - text_below - top - label_height)
    length = scale_bar_length_mm(transform.scale, space)
    if length is None:
        return
    pixels = length * transform.scale
    x = rect.right() - 4
    painter.setPen(QPen(TEXT_COLOUR, 1))
    painter.drawLine(QPointF(x, top), QPointF(x, top + pixels))
    for tick in range(11):
        width = 8 if tick in (0, 5, 10) else 4
        y = top + pixels * tick / 10
        painter.drawLine(QPointF(x - width, y), QPointF(x, y))
    unit = plane.spacing_source.unit
    _shadowed_text(painter, QRectF(x - 160, top + pixels + 2, 156, 18),
                   int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop), f"{length:g} {unit}")


def draw_measurement(painter: QPainter, measurement: Measurement, transform: ViewTransform, viewport: Viewport,
                     colour: QColor = MEASUREMENT_COLOUR) -> None:
    points = [QPointF(*p) for p in transform.to_view(np.asarray(measurement.points, dtype=float))]
    painter.setPen(QPen(colour, 1.5))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if measurement.kind in ("length", "angle"):
        for start, end in zip(points, points[1:]):
            painter.drawLine(start, end)
    else:
        corners = transform.to_view(_shape_corners(measurement))
        if measurement.kind == "rectangle":
            painter.drawPolygon([QPointF(*c) for c in corners])
        else:
            painter.drawPolygon([QPointF(*c) for c in transform.to_view(_ellipse_outline(measurement))])
    for point in points:
        painter.drawEllipse(point, 2.5, 2.5)
    plane, values = viewport.current_plane(), viewport.current_pixels()
    if plane is None:
        return
    label = measurement.label(plane, values if values is not None and values.ndim == 2 else None,
                              viewport.stack.value_unit if viewport.stack else "")
    anchor = max(points, key=lambda p: (p.x(), -p.y()))
    _shadowed_text(painter, QRectF(anchor.x() + 8, anchor.y() - 8, 420, 40),
                   int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), label, colour)


def _shape_corners(measurement: Measurement) -> np.ndarray:
    (x0, y0), (x1, y1) = measurement.points
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=float)


def _ellipse_outline(measurement: Measurement, segments: int = 64) -> np.ndarray:
    """The ellipse in image coordinates, so a rotated or flipped view draws it where the statistics are."""
    (x0, y0), (x1, y1) = measurement.points
    angles = np.linspace(0, 2 * math.pi, segments, endpoint=False)
    return np.column_stack([(x0 + x1) / 2 + abs(x1 - x0) / 2 * np.cos(angles),
                            (y0 + y1) / 2 + abs(y1 - y0) / 2 * np.sin(angles)])


def draw_reference_line(painter: QPainter, transform: ViewTransform, point: np.ndarray, direction: np.ndarray) -> None:
    """The active viewport's plane across this image (the painter clips the long line to the widget)."""
    reach = 1e5
    ends = transform.to_view(np.array([point - direction * reach, point + direction * reach]))
    painter.setPen(QPen(REFERENCE_LINE_COLOUR, 1, Qt.PenStyle.DashLine))
    painter.drawLine(QPointF(*ends[0]), QPointF(*ends[1]))
