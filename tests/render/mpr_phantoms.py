"""Volumes for the MPR and 3D tests: a phantom with markers at known LPS points, and the real CT and MR
built by the workstation's own reader (with SimpleITK's reading of the same files as the reference)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import SimpleITK as sitk

from workstation.dicom.displaysets import display_sets
from workstation.dicom.model import read_patients
from workstation.volume.assembly import assemble_volume
from workstation.volume.volume import Volume

CT_SERIES = Path("ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom")
SAGITTAL_MR_SERIES = Path("mr_volume/FNNDSC_SAG-anon_siemens_skyra_mprage192")

# Marker positions (LPS mm) in the phantom: one towards the patient's left, one anterior, one superior;
# no two share an axial, coronal or sagittal plane, so each reformat through one shows that one alone.
MARKERS = {"left": (30.0, 10.0, -10.0), "anterior": (-10.0, -30.0, 10.0), "superior": (10.0, 20.0, 30.0)}
MARKER_HU = {"left": 3000, "anterior": 2000, "superior": 1000}


def read_series(folder: Path) -> tuple[Volume, sitk.Image]:
    """The series as the workstation assembles it, and as SimpleITK reads it (the independent reference)."""
    patients, errors = read_patients([folder])
    assert not errors, errors
    (display_set,) = [item for patient in patients for series in patient.all_series() for item in display_sets(series)]
    reference = sitk.ReadImage(sitk.ImageSeriesReader.GetGDCMSeriesFileNames(str(folder)))
    return assemble_volume(display_set), reference


def marker_phantom(gantry_tilt_degrees: float = 0.0) -> Volume:
    """Air with three bright 5 mm cubes at ``MARKERS``, on an oblique grid so no voxel axis is an LPS axis.

    A gantry tilt shears the grid: slices step along z and, by tan(tilt), along the column direction, as a
    tilted CT acquisition stacks them.
    """
    angle = np.radians(20.0)
    rotation = np.array([[np.cos(angle), -np.sin(angle), 0.0], [np.sin(angle), np.cos(angle), 0.0], [0.0, 0.0, 1.0]])
    spacing = np.array([1.0, 1.0, 1.5])
    size = np.array([90, 90, 60])  # i, j, k
    affine = np.eye(4)
    affine[:3, :3] = rotation * spacing
    affine[:3, 2] += np.tan(np.radians(gantry_tilt_degrees)) * spacing[2] * rotation[:, 1]
    affine[:3, 3] = -(affine[:3, :3] @ ((size - 1) / 2))  # the volume's centre at the LPS origin
    k, j, i = np.meshgrid(*(np.arange(n) for n in size[::-1]), indexing="ij")
    points = affine[:3, :3] @ np.stack([i.ravel(), j.ravel(), k.ravel()]) + affine[:3, 3:4]
    voxels = np.full(points.shape[1], -1000, dtype=np.int16)
    for name, position in MARKERS.items():
        inside = np.all(np.abs(points - np.array(position)[:, None]) <= 2.5, axis=0)
        voxels[inside] = MARKER_HU[name]
    return Volume(voxels.reshape(k.shape), affine)
