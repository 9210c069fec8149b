"""Measurements on an image: length, angle, ellipse and rectangle ROIs, with their values.

Points are image coordinates (column x, row y; pixel (c, r) spans [c, c+1) x [r, r+1) as in view_transform).
Distances use the plane's spacing and say what it means (SpacingSource: patient, calibrated, at detector,
or pixels). ROI statistics cover the pixels whose centres lie inside the shape; SD is the population
standard deviation; the area is the shape's geometric area in mm².
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import count

import numpy as np

from workstation.viewer.image_plane import ImagePlane, SpacingSource

Point = tuple[float, float]
_ids = count(1)


def _mm(plane: ImagePlane, point: Point) -> np.ndarray:
    return np.array([point[0] * plane.column_spacing, point[1] * plane.row_spacing])


def length_mm(plane: ImagePlane, start: Point, end: Point) -> float:
    """Distance between two image points, in the plane's unit (mm, or pixels without spacing)."""
    return float(np.linalg.norm(_mm(plane, end) - _mm(plane, start)))


def angle_degrees(plane: ImagePlane, first: Point, vertex: Point, second: Point) -> float:
    """The angle at ``vertex`` between the two arms, in physical space (non-square pixels honoured)."""
    a, b = _mm(plane, first) - _mm(plane, vertex), _mm(plane, second) - _mm(plane, vertex)
    norms = np.linalg.norm(a) * np.linalg.norm(b)
    if norms == 0:
        return 0.0
    return math.degrees(math.acos(float(np.clip(np.dot(a, b) / norms, -1.0, 1.0))))


def roi_mask(shape: tuple[int, int], kind: str, corner: Point, opposite: Point) -> np.ndarray:
    """Pixels whose centres lie inside the ellipse or rectangle bounded by two corners."""
    rows, columns = shape
    x0, x1 = sorted((corner[0], opposite[0]))
    y0, y1 = sorted((corner[1], opposite[1]))
    ys, xs = np.mgrid[0:rows, 0:columns].astype(np.float64) + 0.5
    if kind == "rectangle":
        return (xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1)
    if kind == "ellipse":
        cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
        if rx == 0 or ry == 0:
            return np.zeros(shape, dtype=bool)
        return ((xs - cx) / rx) ** 2 + ((ys - cy) / ry) ** 2 <= 1.0
    raise ValueError(f"unknown ROI kind {kind!r}")


@dataclass(frozen=True)
class RoiStatistics:
    mean: float
    standard_deviation: float
    minimum: float
    maximum: float
    area: float  # mm² (or px² without spacing)
    pixel_count: int


def roi_statistics(values: np.ndarray, plane: ImagePlane, kind: str, corner: Point, opposite: Point) -> RoiStatistics:
    mask = roi_mask(values.shape[:2], kind, corner, opposite)
    width = abs(opposite[0] - corner[0]) * plane.column_spacing
    height = abs(opposite[1] - corner[1]) * plane.row_spacing
    area = width * height if kind == "rectangle" else math.pi * width * height / 4
    inside = values[mask].astype(np.float64)
    if inside.size == 0:
        return RoiStatistics(math.nan, math.nan, math.nan, math.nan, area, 0)
    return RoiStatistics(float(inside.mean()), float(inside.std()), float(inside.min()), float(inside.max()),
                         area, int(inside.size))


@dataclass(frozen=True)
class Measurement:
    """One drawn measurement on one image of one stack; ``points`` by kind:

    length: (start, end); angle: (first, vertex, second); ellipse/rectangle: (corner, opposite corner).
    """

    kind: str
    stack_uid: str
    slice_index: int
    points: tuple[Point, ...]
    measurement_id: int = 0

    def __post_init__(self) -> None:
        if not self.measurement_id:
            object.__setattr__(self, "measurement_id", next(_ids))

    def with_points(self, points: tuple[Point, ...]) -> Measurement:
        return Measurement(self.kind, self.stack_uid, self.slice_index, points, self.measurement_id)

    def label(self, plane: ImagePlane, values: np.ndarray | None = None, value_unit: str = "") -> str:
        """The text drawn beside it, e.g. "42.3 mm", "90.0°", "Mean 40.1 HU SD 3.2 ..."."""
        unit = plane.spacing_source.unit
        if self.kind == "length":
            return f"{length_mm(plane, *self.points):.1f} {unit}"
        if self.kind == "angle":
            return f"{angle_degrees(plane, *self.points):.1f}°" if len(self.points) == 3 else ""
        area_unit = "px²" if plane.spacing_source is SpacingSource.UNKNOWN else unit.replace("mm", "mm²", 1)
        if values is None:
            return ""
        stats = roi_statistics(values, plane, self.kind, *self.points)
        suffix = f" {value_unit}" if value_unit else ""
        return (f"Mean {stats.mean:.1f}{suffix}  SD {stats.standard_deviation:.1f}\n"
                f"Min {stats.minimum:.0f}  Max {stats.maximum:.0f}  Area {stats.area:.1f} {area_unit}")


class MeasurementList:
    """All measurements of a reading, with undo of additions, deletions and edits."""

    def __init__(self) -> None:
        self._items: dict[int, Measurement] = {}
        self._history: list[tuple[str, Measurement, Measurement | None]] = []

    def add(self, measurement: Measurement) -> Measurement:
        self._items[measurement.measurement_id] = measurement
        self._history.append(("add", measurement, None))
        return measurement

    def delete(self, measurement: Measurement) -> None:
        if self._items.pop(measurement.measurement_id, None) is not None:
            self._history.append(("delete", measurement, None))

    def replace(self, old: Measurement, new: Measurement) -> None:
        self._items[new.measurement_id] = new
        self._history.append(("replace", new, old))

    def undo(self) -> bool:
        """Revert the last change; False when there is nothing to undo."""
        if not self._history:
            return False
        action, measurement, previous = self._history.pop()
        if action == "add":
            self._items.pop(measurement.measurement_id, None)
        elif action == "delete":
            self._items[measurement.measurement_id] = measurement
        elif previous is not None:
            self._items[previous.measurement_id] = previous
        return True

    def on_image(self, stack_uid: str, slice_index: int) -> list[Measurement]:
        return [m for m in self._items.values() if m.stack_uid == stack_uid and m.slice_index == slice_index]

    def last_on_image(self, stack_uid: str, slice_index: int) -> Measurement | None:
        items = self.on_image(stack_uid, slice_index)
        return items[-1] if items else None

    def __len__(self) -> int:
        return len(self._items)
