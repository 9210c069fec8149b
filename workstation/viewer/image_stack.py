"""What a 2D viewport shows: the images of one display set in reading order, arriving progressively.

The planes and labels are known from the headers at once; each image's pixels (modality values, e.g. HU)
are filled in by a decoding worker, so the first image can be on screen before the series is decoded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from workstation.dicom.displaysets import DisplaySet
from workstation.dicom.voi import WindowLevel
from workstation.viewer.image_plane import ImagePlane, SpacingSource
from workstation.volume.volume import Volume


@dataclass(frozen=True)
class StackLabels:
    """The header text the four-corner overlays show."""

    patient_name: str = ""
    patient_id: str = ""
    patient_birth_date: str = ""
    patient_sex: str = ""
    study_date: str = ""
    study_description: str = ""
    accession_number: str = ""
    institution_name: str = ""
    series_number: str = ""
    series_description: str = ""
    modality: str = ""


@dataclass(frozen=True)
class ImageSource:
    """Where one image's pixels come from: a file and, for a multi-frame, the frame."""

    path: str
    frame_index: int = 0
    instance_number: int | None = None


@dataclass(eq=False)
class ImageStack:
    uid: str
    planes: list[ImagePlane]
    labels: StackLabels = field(default_factory=StackLabels)
    frame_of_reference_uid: str = ""
    rows: int = 0
    columns: int = 0
    value_unit: str = ""
    header_windows: list[WindowLevel] = field(default_factory=list)
    sources: list[ImageSource] = field(default_factory=list)
    study_instance_uid: str = ""
    is_prior: bool = False
    display_name: str = ""
    presentation_inverted: bool = False  # MONOCHROME1 / Presentation LUT INVERSE: low values white
    display_set: DisplaySet | None = field(default=None, repr=False)  # where it came from, for volume assembly
    phase: int = 0  # which phase of ``display_set``
    _pixels: list[np.ndarray | None] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if not self._pixels:
            self._pixels = [None] * len(self.planes)

    def __len__(self) -> int:
        return len(self.planes)

    def pixels(self, index: int) -> np.ndarray | None:
        """Modality values of image ``index``, or None while it is still being decoded."""
        return self._pixels[index]

    def set_pixels(self, index: int, values: np.ndarray) -> None:
        """Called on the GUI thread (decoded images arrive through the background bridge)."""
        if values.shape[:2] != (self.rows, self.columns):
            raise ValueError(f"image {index} is {values.shape[:2]}, the stack is {(self.rows, self.columns)}")
        self._pixels[index] = values

    @property
    def loaded_count(self) -> int:
        return sum(p is not None for p in self._pixels)

    @property
    def is_complete(self) -> bool:
        return self.loaded_count == len(self)

    def index_of(self, source: ImageSource) -> int | None:
        """Where an image (file and frame) sits in this stack, if it is one of its images."""
        key = (source.path, source.frame_index)
        return next((i for i, s in enumerate(self.sources) if (s.path, s.frame_index) == key), None)

    def nearest_index(self, position: np.ndarray) -> int:
        """The image whose plane is closest to an LPS point, along this stack's normal."""
        normal = self.planes[0].normal
        distances = [abs(float(np.dot(np.asarray(p.position) - position, normal))) for p in self.planes]
        return int(np.argmin(distances))

    @classmethod
    def from_volume(cls, volume: Volume, uid: str, labels: StackLabels | None = None, value_unit: str = "",
                    windows: list[WindowLevel] | None = None) -> ImageStack:
        """A stack of the volume's k slices (views, no copy), with planes from its affine."""
        columns_axis, rows_axis, slices_axis = (volume.affine[:3, n] for n in range(3))
        column_spacing, row_spacing = float(np.linalg.norm(columns_axis)), float(np.linalg.norm(rows_axis))
        thickness = float(np.linalg.norm(slices_axis))
        planes = [
            ImagePlane(
                position=tuple(float(v) for v in volume.affine[:3, 3] + slices_axis * k),
                row_direction=tuple(float(v) for v in columns_axis / column_spacing),
                column_direction=tuple(float(v) for v in rows_axis / row_spacing),
                row_spacing=row_spacing,
                column_spacing=column_spacing,
                spacing_source=SpacingSource.PATIENT,
                slice_thickness=thickness,
            )
            for k in range(volume.voxels.shape[0])
        ]
        stack = cls(uid=uid, planes=planes, labels=labels or StackLabels(),
                    frame_of_reference_uid=volume.frame_of_reference_uid, rows=volume.voxels.shape[1],
                    columns=volume.voxels.shape[2], value_unit=value_unit, header_windows=list(windows or []))
        for k in range(len(planes)):
            stack.set_pixels(k, volume.voxels[k])
        return stack
