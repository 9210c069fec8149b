"""The demo chest radiograph (DX, PA view, MONOCHROME1): a projection of the chest phantom.

The line integral of attenuation along the antero-posterior axis is computed on a coarse grid, scaled
up to the detector's matrix and stored as log-exposure values, inverted as MONOCHROME1 like most CR/DX.
Patient orientation is the conventional PA display: the patient's left on the image's right.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import DigitalXRayImageStorageForPresentation

from workstation.demo.catalog import DemoStudy
from workstation.demo.chest_phantom import ChestAnatomy, chest_hounsfield
from workstation.demo.modules import DemoSeries, instance_dataset, set_pixel_data, set_window_presets

MATRIX = 1024
IMAGER_PIXEL_SPACING_MM = 0.4
PROJECTION_SUBSAMPLING = 2
DEPTH_STEP_MM = 4.0
TOP_Z_MM = 215.0
WATER_ATTENUATION_PER_MM = 0.02
BITS_STORED = 12
NOISE = 6.0
SOURCE_TO_DETECTOR_MM = 1800.0
SOURCE_TO_PATIENT_MM = 1640.0
ANATOMY = ChestAnatomy(half_width=150.0, half_depth=100.0)


def chest_radiograph_series(study: DemoStudy) -> DemoSeries:
    return DemoSeries(study, 1, "DX", "Chest PA", DigitalXRayImageStorageForPresentation)


def attenuation_line_integrals(anatomy: ChestAnatomy, matrix: int, pixel_spacing_mm: float, top_z_mm: float) -> np.ndarray:
    """Sum of attenuation (unitless) through the body along y for each pixel [row, column] of a square
    image centred on x = 0 whose first row is at ``top_z_mm`` (rows go down towards the feet)."""
    coarse = matrix // PROJECTION_SUBSAMPLING
    step = pixel_spacing_mm * PROJECTION_SUBSAMPLING
    x = (np.arange(coarse) - (coarse / 2 - 0.5)) * step
    z = top_z_mm - (PROJECTION_SUBSAMPLING - 1) / 2 * pixel_spacing_mm - np.arange(coarse) * step
    y = np.arange(-anatomy.half_depth - 5.0, anatomy.half_depth + 5.0, DEPTH_STEP_MM)
    # A different sub-step offset per pixel turns the depth sampling's contour bands into fine noise.
    pixel_index = np.arange(coarse)
    offsets = np.mod(pixel_index[:, None] * 0.618034 + pixel_index[None, :] * 0.754878, 1.0) * DEPTH_STEP_MM
    integrals = np.empty((coarse, coarse), dtype=np.float32)
    rows_per_chunk = 64
    for start in range(0, coarse, rows_per_chunk):
        rows = z[start : start + rows_per_chunk]
        depth = y[None, :, None] + offsets[start : start + rows.size, None, :]
        hu = chest_hounsfield(x[None, None, :], depth, rows[:, None, None], anatomy)
        attenuation = np.clip(1.0 + hu / 1000.0, 0.0, None) * WATER_ATTENUATION_PER_MM
        integrals[start : start + rows.size] = attenuation.sum(axis=1) * DEPTH_STEP_MM
    return _upsample(integrals, PROJECTION_SUBSAMPLING)


def _upsample(image: np.ndarray, factor: int) -> np.ndarray:
    """Bilinear up-sampling by an integer factor (pixel centres kept aligned)."""
    size = image.shape[0] * factor
    source = (np.arange(size) + 0.5) / factor - 0.5
    rows = np.array([np.interp(source, np.arange(image.shape[0]), column) for column in image.T]).T
    return np.array([np.interp(source, np.arange(image.shape[1]), row) for row in rows], dtype=np.float32)


def chest_radiograph_pixels(study: DemoStudy) -> np.ndarray:
    """Stored MONOCHROME1 values: high attenuation (bone) gets low values, displayed white."""
    anatomy = ChestAnatomy(ANATOMY.half_width, ANATOMY.half_depth, study.nodule_radius_mm)
    integrals = attenuation_line_integrals(anatomy, MATRIX, IMAGER_PIXEL_SPACING_MM, TOP_Z_MM)
    presentation = (integrals / integrals.max()) ** 0.75  # compresses the mediastinum a little
    rng = np.random.default_rng(zlib.crc32(study.key.encode()))
    maximum = 2**BITS_STORED - 1
    values = maximum * (1.0 - 0.92 * presentation) + rng.normal(0.0, NOISE, presentation.shape)
    return np.clip(np.rint(values), 0, maximum).astype(np.uint16)


def chest_radiograph_datasets(study: DemoStudy) -> Iterator[Dataset]:
    series = chest_radiograph_series(study)
    dataset = instance_dataset(series, 1, ["ORIGINAL", "PRIMARY"])
    dataset.PresentationIntentType = "FOR PRESENTATION"
    dataset.PatientOrientation = ["L", "F"]
    dataset.ViewPosition = "PA"
    dataset.ImageLaterality = "U"
    dataset.DetectorType = "SCINTILLATOR"
    dataset.ImagerPixelSpacing = [str(IMAGER_PIXEL_SPACING_MM)] * 2
    dataset.DistanceSourceToDetector = str(SOURCE_TO_DETECTOR_MM)
    dataset.DistanceSourceToPatient = str(SOURCE_TO_PATIENT_MM)
    dataset.EstimatedRadiographicMagnificationFactor = f"{SOURCE_TO_DETECTOR_MM / SOURCE_TO_PATIENT_MM:.4f}"
    dataset.KVP = "125"
    dataset.ExposureTime = "8"
    dataset.XRayTubeCurrent = "250"
    dataset.PixelIntensityRelationship = "LOG"
    dataset.PixelIntensityRelationshipSign = 1  # lower values: less X-ray intensity reached the detector
    dataset.RescaleIntercept = "0"
    dataset.RescaleSlope = "1"
    dataset.RescaleType = "US"
    dataset.PresentationLUTShape = "INVERSE"
    dataset.LossyImageCompression = "00"
    dataset.BurnedInAnnotation = "NO"
    anatomic_region = Dataset()
    anatomic_region.CodeValue = "43799004"
    anatomic_region.CodingSchemeDesignator = "SCT"
    anatomic_region.CodeMeaning = "Chest"
    dataset.AnatomicRegionSequence = [anatomic_region]
    set_pixel_data(dataset, chest_radiograph_pixels(study), "MONOCHROME1", bits_stored=BITS_STORED)
    set_window_presets(dataset, [("DEFAULT", 2048.0, 4096.0)])
    yield dataset
