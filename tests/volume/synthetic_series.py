"""Synthetic CT/MR series written with pydicom, with chosen geometry, so every expected value is known.

Each slice's stored values are ``slice_value(position) + row + column * 100`` style patterns chosen by the
caller, so a test can tell which slice landed where after sorting.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
CORONAL = (1.0, 0.0, 0.0, 0.0, 0.0, -1.0)
SAGITTAL = (0.0, 1.0, 0.0, 0.0, 0.0, -1.0)


def slice_pixels(rows: int, columns: int, value: int) -> np.ndarray:
    """A pattern that differs along rows, columns and between slices: value + 3 * row + column."""
    return (value + 3 * np.arange(rows)[:, None] + np.arange(columns)[None, :]).astype(np.uint16)


def write_series(
    folder: Path,
    positions: Sequence[Sequence[float]],
    *,
    orientation: Sequence[float] | Sequence[Sequence[float]] = AXIAL,
    rows: int = 8,
    columns: int = 6,
    pixel_spacing: Sequence[float] = (0.5, 0.75),
    rescale: tuple[float, float] = (1.0, -1024.0),
    values: Sequence[int] | None = None,
    per_slice: Sequence[dict] | None = None,
    series_instance_uid: str | None = None,
    instance_numbers: Sequence[int] | None = None,
    modality: str = "CT",
    bits_stored: int = 12,
) -> list[Path]:
    """Write one file per position (named in reverse order, so file order is no help) and return the paths.

    ``orientation`` is one Image Orientation (Patient) for all slices or one per slice; ``values[k]`` sets
    slice k's pixel pattern (default 100 * k); ``per_slice[k]`` adds attributes (keyword -> value).
    """
    folder.mkdir(parents=True, exist_ok=True)
    series_instance_uid = series_instance_uid or generate_uid()
    study_instance_uid = generate_uid()
    frame_of_reference_uid = generate_uid()
    orientations = orientation if isinstance(orientation[0], (list, tuple)) else [orientation] * len(positions)
    paths = []
    for index, position in enumerate(positions):
        meta = FileMetaDataset()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = generate_uid()
        dataset = FileDataset("", {}, file_meta=meta, preamble=b"\0" * 128)
        dataset.SOPClassUID = CTImageStorage
        dataset.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
        dataset.PatientID = "SYNTH-1"
        dataset.PatientName = "Synthetic^Series"
        dataset.StudyInstanceUID = study_instance_uid
        dataset.SeriesInstanceUID = series_instance_uid
        dataset.FrameOfReferenceUID = frame_of_reference_uid
        dataset.Modality = modality
        dataset.SeriesNumber = 3
        dataset.SeriesDescription = "synthetic"
        dataset.InstanceNumber = instance_numbers[index] if instance_numbers else index + 1
        dataset.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        dataset.ImagePositionPatient = [float(value) for value in position]
        dataset.ImageOrientationPatient = [float(value) for value in orientations[index]]
        dataset.PixelSpacing = [float(value) for value in pixel_spacing]
        dataset.SliceThickness = 2.0
        dataset.Rows, dataset.Columns = rows, columns
        dataset.SamplesPerPixel = 1
        dataset.PhotometricInterpretation = "MONOCHROME2"
        dataset.BitsAllocated = 16
        dataset.BitsStored = bits_stored
        dataset.HighBit = bits_stored - 1
        dataset.PixelRepresentation = 0
        dataset.RescaleSlope = rescale[0]
        dataset.RescaleIntercept = rescale[1]
        for keyword, value in (per_slice[index] if per_slice else {}).items():
            setattr(dataset, keyword, value)
        value = values[index] if values is not None else 100 * index
        dataset.PixelData = slice_pixels(rows, columns, value).tobytes()
        path = folder / f"im{len(positions) - index:04d}.dcm"
        dataset.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def axial_positions(count: int, step: float = 2.0, start: float = -10.0) -> list[tuple[float, float, float]]:
    return [(-20.0, -30.0, start + step * index) for index in range(count)]


def apply_to_files(paths: Sequence[Path], change: Callable[[FileDataset], None]) -> None:
    """Rewrite files after changing each dataset (e.g. to compress it)."""
    for path in paths:
        dataset = pydicom.dcmread(path)
        change(dataset)
        dataset.save_as(path, enforce_file_format=True)
