"""The demo head MR: a sagittal T1-weighted 3D acquisition of an ellipsoid head phantom.

Sagittal on purpose: reformatting it to axial and coronal exercises MPR orientation handling. T1-like
contrast: fat and white matter bright, grey matter darker, CSF and cortical bone dark.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import MRImageStorage

from workstation.demo.catalog import DemoStudy
from workstation.demo.modules import (
    DemoSeries,
    instance_dataset,
    set_frame_of_reference,
    set_image_plane,
    set_pixel_data,
    set_window_presets,
)

MATRIX = 192
PIXEL_SPACING_MM = 1.2
SLICE_COUNT = 100
SLICE_THICKNESS_MM = 1.5
NOISE = 12.0
# Rows run towards the patient's back (+y), columns towards the feet (-z); the normal points to the right (-x).
SAGITTAL_ORIENTATION = (0.0, 1.0, 0.0, 0.0, 0.0, -1.0)

BACKGROUND = 0.0
SCALP = 320.0
FAT = 760.0
CORTICAL_BONE = 40.0
CSF = 110.0
GREY_MATTER = 430.0
WHITE_MATTER = 620.0
VITREOUS = 90.0

# (centre mm LPS, semi-axes mm, intensity), painted in order: later solids cover earlier ones.
HEAD_SOLIDS: tuple[tuple[tuple[float, float, float], tuple[float, float, float], float], ...] = (
    ((0.0, 0.0, 0.0), (74.0, 96.0, 104.0), SCALP),
    ((0.0, 0.0, 0.0), (70.0, 92.0, 100.0), FAT),
    ((0.0, 0.0, 0.0), (67.0, 89.0, 97.0), CORTICAL_BONE),
    ((0.0, 0.0, 2.0), (61.0, 83.0, 90.0), CSF),
    ((0.0, 0.0, 4.0), (59.0, 81.0, 86.0), GREY_MATTER),
    ((0.0, -2.0, 14.0), (48.0, 68.0, 64.0), WHITE_MATTER),
    ((0.0, 48.0, -46.0), (46.0, 27.0, 22.0), GREY_MATTER),
    ((0.0, 16.0, -45.0), (12.0, 14.0, 38.0), WHITE_MATTER),
    ((-11.0, 2.0, 16.0), (6.0, 30.0, 10.0), CSF),
    ((11.0, 2.0, 16.0), (6.0, 30.0, 10.0), CSF),
    ((0.0, 8.0, 2.0), (2.0, 12.0, 8.0), CSF),
    ((-32.0, -78.0, -22.0), (12.0, 12.0, 12.0), VITREOUS),
    ((32.0, -78.0, -22.0), (12.0, 12.0, 12.0), VITREOUS),
)


def head_mr_series(study: DemoStudy) -> DemoSeries:
    return DemoSeries(study, 3, "MR", "Sag T1 3D 1.5 mm", MRImageStorage)


def slice_positions() -> np.ndarray:
    """ImagePositionPatient per slice, from the patient's left to right (along the normal, -x)."""
    half_fov = (MATRIX / 2 - 0.5) * PIXEL_SPACING_MM
    x = (SLICE_COUNT / 2 - 0.5) * SLICE_THICKNESS_MM - SLICE_THICKNESS_MM * np.arange(SLICE_COUNT)
    return np.stack([x, np.full(SLICE_COUNT, -half_fov), np.full(SLICE_COUNT, half_fov + 10.0)], axis=1)


def head_t1_signal(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Noise-free T1-like signal at broadcastable LPS coordinates (mm)."""
    x, y, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float32) for v in (x, y, z)))
    signal = np.full(x.shape, BACKGROUND, dtype=np.float32)
    for centre, semi_axes, intensity in HEAD_SOLIDS:
        inside = (
            ((x - centre[0]) / semi_axes[0]) ** 2
            + ((y - centre[1]) / semi_axes[1]) ** 2
            + ((z - centre[2]) / semi_axes[2]) ** 2
        ) <= 1.0
        signal[inside] = intensity
    signal[z < -100.0] = BACKGROUND
    return signal


def head_mr_volume(study: DemoStudy) -> np.ndarray:
    """Stored values [slice, row, column] with Rician noise seeded by the study key."""
    positions = slice_positions()
    step = PIXEL_SPACING_MM * np.arange(MATRIX)
    x = positions[:, 0][:, None, None]
    y = positions[0, 1] + step[None, None, :]
    z = positions[0, 2] - step[None, :, None]
    signal = head_t1_signal(x, y, z)
    rng = np.random.default_rng(zlib.crc32(study.key.encode()))
    real = signal + rng.normal(0.0, NOISE, signal.shape).astype(np.float32)
    imaginary = rng.normal(0.0, NOISE, signal.shape).astype(np.float32)
    return np.clip(np.rint(np.hypot(real, imaginary)), 0, 4095).astype(np.uint16)


def head_mr_datasets(study: DemoStudy) -> Iterator[Dataset]:
    series = head_mr_series(study)
    volume = head_mr_volume(study)
    for index, position in enumerate(slice_positions()):
        dataset = instance_dataset(series, index + 1, ["ORIGINAL", "PRIMARY", "M", "ND"])
        set_frame_of_reference(dataset, series)
        dataset.PatientPosition = "HFS"
        set_image_plane(dataset, position, SAGITTAL_ORIENTATION, (PIXEL_SPACING_MM, PIXEL_SPACING_MM), SLICE_THICKNESS_MM)
        dataset.SpacingBetweenSlices = str(SLICE_THICKNESS_MM)
        dataset.ScanningSequence = ["GR", "IR"]
        dataset.SequenceVariant = ["SP", "MP"]
        dataset.ScanOptions = "IR"
        dataset.MRAcquisitionType = "3D"
        dataset.RepetitionTime = "2300"
        dataset.EchoTime = "2.98"
        dataset.InversionTime = "900"
        dataset.FlipAngle = "9"
        dataset.EchoTrainLength = 1
        dataset.MagneticFieldStrength = "3"
        dataset.ImagedNucleus = "1H"
        dataset.AcquisitionNumber = 1
        set_pixel_data(dataset, volume[index], "MONOCHROME2", bits_stored=12)
        set_window_presets(dataset, [("BRAIN", 400.0, 800.0)])
        yield dataset
