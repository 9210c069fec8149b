"""Where slices lie in patient space (LPS mm), how they stack into a volume, and what is wrong with a stack.

Slices are ordered by their position projected on the slice normal (row cosine x column cosine), never
by Instance Number, which scanners and PACS number in any order. The defects a reader must know about
(repeated positions, uneven or missing slices, gantry tilt, mixed orientations) come back as warnings in
a radiologist's words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

POSITION_TOLERANCE_MM = 0.01
"""Two slices closer than this along the normal are at the same position."""

SPACING_TOLERANCE = 0.01
"""Relative difference between slice steps still counted as even spacing (scanner rounding)."""

TILT_TOLERANCE_DEGREES = 0.01
"""Angle between the slice normal and the stacking direction below which there is no gantry tilt."""

SAME_ORIENTATION_COSINE = 0.9999
"""Row and column cosines whose dot products exceed this are one orientation (about 0.8 degrees)."""


@dataclass(frozen=True)
class ImagePlane:
    """One frame's plane: DICOM Image Position and Orientation (Patient) with Pixel Spacing.

    ``position`` is the centre of the first transmitted pixel; ``row_cosine`` points along a row (increasing
    column index), ``column_cosine`` down a column; ``pixel_spacing`` is DICOM's (between rows, between
    columns) in mm.
    """

    position: tuple[float, float, float]
    row_cosine: tuple[float, float, float]
    column_cosine: tuple[float, float, float]
    pixel_spacing: tuple[float, float]

    @classmethod
    def from_attributes(cls, position: Sequence, orientation: Sequence, pixel_spacing: Sequence | None) -> ImagePlane:
        """Build from the raw DICOM values; raise ValueError with a reader's message when they are unusable."""
        if position is None or len(position) != 3:
            raise ValueError("Image Position (Patient) does not hold 3 numbers")
        if orientation is None or len(orientation) != 6:
            raise ValueError("Image Orientation (Patient) does not hold 6 numbers")
        row = np.array([float(v) for v in orientation[:3]])
        column = np.array([float(v) for v in orientation[3:]])
        if not (0.9 < np.linalg.norm(row) < 1.1 and 0.9 < np.linalg.norm(column) < 1.1) or abs(row @ column) > 0.1:
            raise ValueError(f"Image Orientation (Patient) {list(orientation)} is not two perpendicular unit vectors")
        row /= np.linalg.norm(row)
        column /= np.linalg.norm(column)
        spacing = (1.0, 1.0)
        if pixel_spacing is not None and len(pixel_spacing) == 2:
            spacing = (float(pixel_spacing[0]), float(pixel_spacing[1]))
            if min(spacing) <= 0:
                raise ValueError(f"Pixel Spacing {list(pixel_spacing)} is not positive")
        return cls(
            position=tuple(float(v) for v in position),
            row_cosine=tuple(float(v) for v in row),
            column_cosine=tuple(float(v) for v in column),
            pixel_spacing=spacing,
        )

    @property
    def normal(self) -> np.ndarray:
        """Unit vector perpendicular to the plane, row x column (the direction slices stack along)."""
        normal = np.cross(self.row_cosine, self.column_cosine)
        return normal / np.linalg.norm(normal)

    def same_orientation(self, other: ImagePlane) -> bool:
        return (
            float(np.dot(self.row_cosine, other.row_cosine)) > SAME_ORIENTATION_COSINE
            and float(np.dot(self.column_cosine, other.column_cosine)) > SAME_ORIENTATION_COSINE
        )

    @property
    def orientation_name(self) -> str:
        """axial, coronal or sagittal after the normal's main LPS axis, 'oblique' when none dominates."""
        normal = np.abs(self.normal)
        axis = int(np.argmax(normal))
        if normal[axis] < 0.8:
            return "oblique"
        return ("sagittal", "coronal", "axial")[axis]


@dataclass(frozen=True, eq=False)
class StackLayout:
    """How planes of one orientation fill a regular grid of slices.

    ``order[k]`` is the index (into the planes given) of the plane shown as slice ``k``, or None for a
    missing slice left blank; ``affine`` maps (i, j, k, 1) to LPS mm. ``repeated`` lists the planes left
    out because an earlier one had the same position.
    """

    order: tuple[int | None, ...]
    affine: np.ndarray
    repeated: tuple[int, ...]
    warnings: tuple[str, ...]


def layout_stack(planes: Sequence[ImagePlane], *, single_slice_spacing: float = 1.0) -> StackLayout:
    """Sort planes along the normal of the first one and describe the regular grid they form.

    The slice step is ITK's: (last position - first position) / (slices - 1), so a tilted gantry gives a
    sheared affine that keeps every slice where it was acquired. Missing slices (gaps that are whole
    multiples of the smallest step, when most steps are that one) become blank slots so that distances
    stay true; other uneven spacing is kept as is and reported.
    """
    if not planes:
        raise ValueError("no image planes to stack")
    reference = planes[0]
    normal = reference.normal
    warnings: list[str] = []
    if not all(reference.same_orientation(plane) for plane in planes):
        warnings.append("images have different orientations; their positions are sorted along the first one's normal")
    distances = np.array([float(np.dot(plane.position, normal)) for plane in planes])
    ranked = sorted(range(len(planes)), key=lambda index: (distances[index], index))
    kept: list[int] = [ranked[0]]
    repeated: list[int] = []
    for index in ranked[1:]:
        if distances[index] - distances[kept[-1]] < POSITION_TOLERANCE_MM:
            repeated.append(index)
        else:
            kept.append(index)
    if repeated:
        where = sorted({round(float(distances[index]), 2) for index in repeated})
        warnings.append(
            f"{len(repeated)} image(s) repeat the position of another image (at {_millimetres(where)} along the "
            "slice normal); only the first image at each position is shown"
        )
    order, step_warnings = _slots(distances[kept], kept)
    warnings.extend(step_warnings)
    first = np.array(planes[kept[0]].position)
    last = np.array(planes[kept[-1]].position)
    if len(order) > 1:
        step = (last - first) / (len(order) - 1)
        tilt = _angle_degrees(step, normal)
        if tilt > TILT_TOLERANCE_DEGREES:
            warnings.append(
                f"gantry tilt of {tilt:.1f} degrees: the slices are shifted against each other; the volume is "
                "sheared to keep them where they were acquired"
            )
    else:
        step = normal * single_slice_spacing
    affine = np.eye(4)
    row_spacing, column_spacing = reference.pixel_spacing
    affine[:3, 0] = np.array(reference.row_cosine) * column_spacing
    affine[:3, 1] = np.array(reference.column_cosine) * row_spacing
    affine[:3, 2] = step
    affine[:3, 3] = first
    return StackLayout(order=order, affine=affine, repeated=tuple(repeated), warnings=tuple(warnings))


def _slots(distances: np.ndarray, indices: list[int]) -> tuple[tuple[int | None, ...], list[str]]:
    """Place sorted, distinct slices on a regular grid; blank slots where whole slices are missing."""
    if len(indices) < 2:
        return tuple(indices), []
    steps = np.diff(distances)
    smallest, largest = float(steps.min()), float(steps.max())
    tolerance = max(POSITION_TOLERANCE_MM, SPACING_TOLERANCE * smallest)
    if largest - smallest <= tolerance:
        return tuple(indices), []
    multiples = steps / smallest
    whole = np.rint(multiples)
    usual = np.count_nonzero(whole == 1) * 2 >= len(steps)
    if usual and np.all(np.abs(multiples - whole) * smallest <= tolerance):
        order: list[int | None] = [indices[0]]
        gaps: list[str] = []
        for step_multiple, index, before, after in zip(whole.astype(int), indices[1:], distances[:-1], distances[1:]):
            if step_multiple > 1:
                order.extend([None] * (step_multiple - 1))
                gaps.append(f"{step_multiple - 1} between {before:.1f} and {after:.1f} mm")
            order.append(index)
        missing = order.count(None)
        return tuple(order), [
            f"{missing} slice(s) missing ({'; '.join(gaps)}); shown as blank slices so that distances stay true"
        ]
    return tuple(indices), [
        f"uneven slice spacing: steps from {smallest:.2f} to {largest:.2f} mm; the volume uses the mean step of "
        f"{float(distances[-1] - distances[0]) / (len(indices) - 1):.2f} mm, so distances across slices are approximate"
    ]


def _angle_degrees(vector: np.ndarray, normal: np.ndarray) -> float:
    length = float(np.linalg.norm(vector))
    if length == 0.0:
        return 0.0
    cosine = min(1.0, abs(float(np.dot(vector, normal))) / length)
    return math.degrees(math.acos(cosine))


def _millimetres(values: list[float]) -> str:
    shown = ", ".join(f"{value:g}" for value in values[:5])
    return shown + (f" and {len(values) - 5} more" if len(values) > 5 else "") + " mm"
