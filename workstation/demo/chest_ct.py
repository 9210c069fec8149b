"""The demo chest CT: axial slices of the chest phantom, head first supine, stored as HU + 1024."""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import CTImageStorage

from workstation.demo.catalog import DemoStudy
from workstation.demo.chest_phantom import ChestAnatomy, chest_hounsfield
from workstation.demo.chest_radiograph import attenuation_line_integrals
from workstation.demo.modules import (
    DemoSeries,
    instance_dataset,
    set_frame_of_reference,
    set_image_plane,
    set_pixel_data,
    set_window_presets,
)

MATRIX = 256
PIXEL_SPACING_MM = 1.4
SLICE_COUNT = 90
SLICE_THICKNESS_MM = 3.0
TOP_SLICE_Z_MM = 135.0
RESCALE_INTERCEPT = -1024.0
NOISE_HU = 10.0
AXIAL_ORIENTATION = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
CT_WINDOW_PRESETS = [("MEDIASTINUM", 50.0, 350.0), ("LUNG", -600.0, 1500.0), ("BONE", 400.0, 1800.0)]
LOCALIZER_MATRIX = 512
LOCALIZER_PIXEL_SPACING_MM = 0.8
LOCALIZER_TOP_Z_MM = TOP_SLICE_Z_MM + 40.0
CORONAL_ORIENTATION = (1.0, 0.0, 0.0, 0.0, 0.0, -1.0)


def chest_ct_series(study: DemoStudy) -> DemoSeries:
    return DemoSeries(study, 2, "CT", "Chest 3.0 mm", CTImageStorage)


def chest_ct_localizer_series(study: DemoStudy) -> DemoSeries:
    return DemoSeries(study, 1, "CT", "Scout AP", CTImageStorage)


def slice_positions() -> np.ndarray:
    """ImagePositionPatient of each slice (first pixel centre), top slice first, stepping down by the thickness."""
    first_pixel = -(MATRIX / 2 - 0.5) * PIXEL_SPACING_MM
    z = TOP_SLICE_Z_MM - SLICE_THICKNESS_MM * np.arange(SLICE_COUNT)
    return np.stack([np.full(SLICE_COUNT, first_pixel), np.full(SLICE_COUNT, first_pixel), z], axis=1)


def chest_ct_hounsfield(study: DemoStudy) -> np.ndarray:
    """The noisy HU volume [slice, row, column] on the demo CT's grid (noise seeded by the study key)."""
    positions = slice_positions()
    in_plane = positions[0, 0] + PIXEL_SPACING_MM * np.arange(MATRIX)
    anatomy = ChestAnatomy(nodule_radius_mm=study.nodule_radius_mm)
    hu = np.concatenate([  # a few slices at a time keeps the phantom's temporaries small
        chest_hounsfield(in_plane[None, None, :], in_plane[None, :, None], z[:, None, None], anatomy)
        for z in np.array_split(positions[:, 2], 6)
    ])
    rng = np.random.default_rng(zlib.crc32(study.key.encode()))
    return hu + rng.normal(0.0, NOISE_HU, hu.shape).astype(np.float32)


def chest_ct_localizer(study: DemoStudy) -> Dataset:
    """The AP scout the axial slices were planned on: a projection in the coronal plane through y = 0."""
    series = chest_ct_localizer_series(study)
    anatomy = ChestAnatomy(nodule_radius_mm=study.nodule_radius_mm)
    integrals = attenuation_line_integrals(anatomy, LOCALIZER_MATRIX, LOCALIZER_PIXEL_SPACING_MM, LOCALIZER_TOP_Z_MM)
    stored = np.rint(4095.0 * integrals / integrals.max()).astype(np.uint16)
    dataset = instance_dataset(series, 1, ["ORIGINAL", "PRIMARY", "LOCALIZER"])
    set_frame_of_reference(dataset, series)
    dataset.PatientPosition = "HFS"
    first_pixel_x = -(LOCALIZER_MATRIX / 2 - 0.5) * LOCALIZER_PIXEL_SPACING_MM
    set_image_plane(
        dataset, np.array([first_pixel_x, 0.0, LOCALIZER_TOP_Z_MM]), CORONAL_ORIENTATION,
        (LOCALIZER_PIXEL_SPACING_MM, LOCALIZER_PIXEL_SPACING_MM), None,
    )
    dataset.KVP = "120"
    dataset.AcquisitionNumber = 1
    dataset.RescaleIntercept = "0"
    dataset.RescaleSlope = "1"
    dataset.RescaleType = "US"
    set_pixel_data(dataset, stored, "MONOCHROME2", bits_stored=12)
    set_window_presets(dataset, [("LOCALIZER", 2048.0, 4096.0)])
    return dataset


def chest_ct_datasets(study: DemoStudy) -> Iterator[Dataset]:
    yield chest_ct_localizer(study)
    series = chest_ct_series(study)
    stored = np.clip(np.rint(chest_ct_hounsfield(study) - RESCALE_INTERCEPT), 0, 4095).astype(np.uint16)
    for index, position in enumerate(slice_positions()):
        dataset = instance_dataset(series, index + 1, ["ORIGINAL", "PRIMARY", "AXIAL"])
        set_frame_of_reference(dataset, series)
        dataset.PatientPosition = "HFS"
        set_image_plane(dataset, position, AXIAL_ORIENTATION, (PIXEL_SPACING_MM, PIXEL_SPACING_MM), SLICE_THICKNESS_MM)
        dataset.SpacingBetweenSlices = str(SLICE_THICKNESS_MM)
        dataset.KVP = "120"
        dataset.AcquisitionNumber = 1
        dataset.ReconstructionDiameter = str(MATRIX * PIXEL_SPACING_MM)
        dataset.GantryDetectorTilt = "0"
        dataset.ConvolutionKernel = "STANDARD"
        dataset.RescaleIntercept = str(int(RESCALE_INTERCEPT))
        dataset.RescaleSlope = "1"
        dataset.RescaleType = "HU"
        set_pixel_data(dataset, stored[index], "MONOCHROME2", bits_stored=12)
        set_window_presets(dataset, CT_WINDOW_PRESETS)
        yield dataset
