"""Where one 2D image lies in patient space, and how much a pixel measures.

Measurements must say what their millimetres mean: PixelSpacing is in the patient (CT, MR, or a
radiograph calibrated for magnification); ImagerPixelSpacing alone is at the detector, so distances in
projection radiographs are magnified and flagged as such (PS3.3 C.8.11.7, IHE Mammo "calibrated").
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
from pydicom.dataset import Dataset

from workstation.dicom.frame_groups import frame_group_item


class SpacingSource(enum.Enum):
    PATIENT = "mm"  # PixelSpacing: in the patient plane
    CALIBRATED = "mm (calibrated)"  # ImagerPixelSpacing corrected by EstimatedRadiographicMagnificationFactor
    DETECTOR = "mm (at detector)"  # ImagerPixelSpacing only: magnified
    UNKNOWN = "px"  # no spacing at all: measure in pixels

    @property
    def unit(self) -> str:
        return self.value


@dataclass(frozen=True)
class ImagePlane:
    """ImagePositionPatient (centre of the first pixel), orientation cosines and spacing, in LPS mm.

    ``row_direction`` is the direction of increasing column index (IOP[0:3]), ``column_direction`` that of
    increasing row index (IOP[3:6]); ``row_spacing`` is between rows (PixelSpacing[0]).
    """

    position: tuple[float, float, float] = (0.0, 0.0, 0.0)
    row_direction: tuple[float, float, float] = (1.0, 0.0, 0.0)
    column_direction: tuple[float, float, float] = (0.0, 1.0, 0.0)
    row_spacing: float = 1.0
    column_spacing: float = 1.0
    spacing_source: SpacingSource = SpacingSource.UNKNOWN
    slice_thickness: float | None = None
    has_orientation: bool = True

    @property
    def normal(self) -> np.ndarray:
        return np.cross(self.row_direction, self.column_direction)

    def patient_position(self, x: float, y: float) -> np.ndarray:
        """LPS position of image point (x, y), where pixel (c, r) spans [c, c+1) x [r, r+1) as on screen."""
        return (
            np.asarray(self.position)
            + np.asarray(self.row_direction) * self.column_spacing * (x - 0.5)
            + np.asarray(self.column_direction) * self.row_spacing * (y - 0.5)
        )

    @property
    def slice_location(self) -> float:
        """Position along the normal, the number shown as the slice position."""
        return float(np.dot(self.position, self.normal))


def _floats(value: object, count: int) -> tuple[float, ...] | None:
    try:
        numbers = tuple(float(v) for v in value)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return None
    return numbers if len(numbers) == count else None


def plane_from_dataset(dataset: Dataset, frame_index: int = 0) -> ImagePlane:
    """The plane of one image or one frame; missing geometry gives an axial plane at the origin, flagged."""
    position_item = frame_group_item(dataset, "PlanePositionSequence", frame_index) or dataset
    orientation_item = frame_group_item(dataset, "PlaneOrientationSequence", frame_index) or dataset
    measures_item = frame_group_item(dataset, "PixelMeasuresSequence", frame_index) or dataset

    position = _floats(position_item.get("ImagePositionPatient"), 3)
    orientation = _floats(orientation_item.get("ImageOrientationPatient"), 6)
    thickness = measures_item.get("SliceThickness", dataset.get("SliceThickness"))
    spacing = _floats(measures_item.get("PixelSpacing"), 2)
    source = SpacingSource.PATIENT
    if spacing is None:
        spacing = _floats(dataset.get("ImagerPixelSpacing"), 2)
        source = SpacingSource.DETECTOR
        magnification = dataset.get("EstimatedRadiographicMagnificationFactor")
        if spacing is not None and magnification:
            spacing = tuple(s / float(magnification) for s in spacing)
            source = SpacingSource.CALIBRATED
    if spacing is None or min(spacing) <= 0:
        spacing, source = (1.0, 1.0), SpacingSource.UNKNOWN
    try:
        slice_thickness = float(thickness) if thickness not in (None, "") else None
    except (TypeError, ValueError):
        slice_thickness = None
    return ImagePlane(
        position=position or (0.0, 0.0, 0.0),
        row_direction=orientation[:3] if orientation else (1.0, 0.0, 0.0),
        column_direction=orientation[3:] if orientation else (0.0, 1.0, 0.0),
        row_spacing=spacing[0],
        column_spacing=spacing[1],
        spacing_source=source,
        slice_thickness=slice_thickness,
        has_orientation=orientation is not None,
    )
