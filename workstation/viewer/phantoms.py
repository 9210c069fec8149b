"""Synthetic CT-like stacks with known geometry, for tests and benchmarks of the 2D viewer.

There is only one real CT in ../shared/dicom and no way to know a true distance in it; a phantom with
markers at known positions makes measurements checkable to a tenth of a millimetre.
"""

from __future__ import annotations

import numpy as np

from workstation.dicom.voi import WindowLevel
from workstation.viewer.image_stack import ImageStack, StackLabels
from workstation.volume.volume import Volume

AIR_HU = -1000
SOFT_TISSUE_HU = 40
BONE_HU = 700
MARKER_HU = 2000


def phantom_volume(
    slices: int = 20,
    size: int = 128,
    spacing: tuple[float, float, float] = (0.7, 0.7, 2.5),
    markers: tuple[tuple[int, int], ...] = (),
    orientation: str = "axial",
    frame_of_reference_uid: str = "1.2.826.0.1.3680043.8.498.1",
    origin: tuple[float, float, float] = (-100.0, -100.0, -50.0),
) -> Volume:
    """int16 HU volume [k, j, i]: air, a soft-tissue disc with a bone ring, a ramp along k in the disc
    (so each slice differs), and single-pixel markers at (column, row) on every slice.

    ``spacing`` is (column, row, slice) in mm; ``orientation`` picks the plane: axial (rows go posterior),
    coronal (rows go feet-ward) or sagittal (columns go posterior, rows feet-ward).
    """
    j, i = np.mgrid[0:size, 0:size]
    radius = np.hypot(i - size / 2 + 0.5, j - size / 2 + 0.5)
    voxels = np.full((slices, size, size), AIR_HU, dtype=np.int16)
    disc = radius < size * 0.42
    ring = disc & (radius >= size * 0.36)
    for k in range(slices):
        voxels[k][disc] = SOFT_TISSUE_HU + k
        voxels[k][ring] = BONE_HU
    for column, row in markers:
        voxels[:, row, column] = MARKER_HU
    axes = {
        "axial": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
        "coronal": ((1, 0, 0), (0, 0, -1), (0, 1, 0)),
        "sagittal": ((0, 1, 0), (0, 0, -1), (1, 0, 0)),
    }[orientation]
    affine = np.eye(4)
    for n in range(3):
        affine[:3, n] = np.asarray(axes[n], dtype=float) * spacing[n]
    affine[:3, 3] = origin
    return Volume(voxels=voxels, affine=affine, frame_of_reference_uid=frame_of_reference_uid)


def phantom_stack(uid: str = "phantom", modality: str = "CT", **volume_options) -> ImageStack:
    """A ready ImageStack of ``phantom_volume`` labelled as a CT (HU), with a soft-tissue header window."""
    labels = StackLabels(patient_name="PHANTOM^TEST", patient_id="PH-1", study_date="20260101",
                         study_description="Phantom", series_number="1", series_description="Synthetic",
                         modality=modality)
    return ImageStack.from_volume(phantom_volume(**volume_options), uid=uid, labels=labels,
                                  value_unit="HU" if modality == "CT" else "",
                                  windows=[WindowLevel(40.0, 400.0, "Header")])
