"""Fixtures of the DICOM tests: small synthetic images whose expected values can be worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid


def _grey_dataset(stored: np.ndarray, **attributes: object) -> FileDataset:
    """A MONOCHROME2 Secondary Capture holding ``stored`` (rows, columns) or (frames, rows, columns)."""
    stored = np.ascontiguousarray(stored)
    meta = FileMetaDataset()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    dataset = FileDataset("", {}, file_meta=meta, preamble=b"\0" * 128)
    dataset.SOPClassUID = SecondaryCaptureImageStorage
    dataset.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    dataset.Modality = "OT"
    if stored.ndim == 3:
        dataset.NumberOfFrames = stored.shape[0]
    dataset.Rows, dataset.Columns = stored.shape[-2:]
    dataset.SamplesPerPixel = 1
    dataset.PhotometricInterpretation = "MONOCHROME2"
    dataset.BitsAllocated = stored.dtype.itemsize * 8
    dataset.BitsStored = stored.dtype.itemsize * 8
    dataset.HighBit = dataset.BitsStored - 1
    dataset.PixelRepresentation = 1 if stored.dtype.kind == "i" else 0
    dataset.PixelData = stored.astype(stored.dtype.newbyteorder("<")).tobytes()
    for keyword, value in attributes.items():
        setattr(dataset, keyword, value)
    return dataset


@pytest.fixture
def grey_dataset():
    """Factory: ``grey_dataset(stored, **attributes)`` -> an in-memory MONOCHROME2 dataset."""
    return _grey_dataset


def _rescale_group(slope: str, intercept: str) -> Dataset:
    transformation = Dataset()
    transformation.RescaleSlope, transformation.RescaleIntercept = slope, intercept
    group = Dataset()
    group.PixelValueTransformationSequence = Sequence([transformation])
    return group


@pytest.fixture
def rescale_group():
    """Factory: ``rescale_group(slope, intercept)`` -> a functional group item with a Pixel Value Transformation."""
    return _rescale_group
