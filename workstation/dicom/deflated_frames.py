"""Deflated Image Frame Compression (1.2.840.10008.1.2.8.1, PS3.5 A.4.11), which pydicom 3.0 cannot decode.

Each frame is a raw Deflate stream (RFC 1951) of the frame in native Explicit VR Little Endian
encoding, byte aligned per frame; segmentations (1 bit per pixel) use it. Inflating it and handing
the bytes to pydicom's native decoder keeps bit unpacking and planar configuration in one place.
"""

from __future__ import annotations

import zlib

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import get_frame
from pydicom.pixels import pixel_array
from pydicom.uid import UID, ExplicitVRLittleEndian

DeflatedImageFrameCompression = UID("1.2.840.10008.1.2.8.1")

_FRAME_DESCRIPTION = (
    "Rows", "Columns", "SamplesPerPixel", "PhotometricInterpretation", "PlanarConfiguration",
    "BitsAllocated", "BitsStored", "HighBit", "PixelRepresentation",
)


def is_deflated_frames(dataset: Dataset) -> bool:
    meta = getattr(dataset, "file_meta", None)
    return meta is not None and meta.get("TransferSyntaxUID") == DeflatedImageFrameCompression


def decode_deflated_frame(dataset: Dataset, index: int, frames: int) -> np.ndarray:
    """One frame, shape (rows, columns[, samples]); raises zlib.error or ValueError on damaged data."""
    compressed = get_frame(dataset.PixelData, index, number_of_frames=frames)
    native = Dataset()
    native.file_meta = FileMetaDataset()
    native.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    for keyword in _FRAME_DESCRIPTION:
        if keyword in dataset:
            setattr(native, keyword, dataset.data_element(keyword).value)
    native.PixelData = zlib.decompress(compressed, wbits=-15)
    return pixel_array(native)
