"""Reading DICOM files with pydicom, turning every failure into a message that names file and problem."""

from __future__ import annotations

from pathlib import Path

import pydicom
from pydicom.dataset import FileDataset
from pydicom.errors import InvalidDicomError

from workstation.core.errors import DicomReadError


def read_dataset(path: str | Path, *, header_only: bool = False) -> FileDataset:
    """Read one file; ``header_only`` stops before the pixel data (fast, for indexing and sorting).

    Files without the 128-byte preamble and "DICM" prefix are read again in forced mode, since many
    older archives wrote bare datasets.
    """
    try:
        try:
            return pydicom.dcmread(path, stop_before_pixels=header_only)
        except InvalidDicomError:
            dataset = pydicom.dcmread(path, stop_before_pixels=header_only, force=True)
            if "SOPClassUID" not in dataset and "PixelData" not in dataset:
                raise DicomReadError(path, "not a DICOM file (no DICOM header found)") from None
            return dataset
    except DicomReadError:
        raise
    except FileNotFoundError:
        raise DicomReadError(path, "file not found") from None
    except PermissionError:
        raise DicomReadError(path, "permission denied") from None
    except IsADirectoryError:
        raise DicomReadError(path, "is a folder, not a file") from None
    except EOFError:
        raise DicomReadError(path, "file is truncated (ends in the middle of the header)") from None
    except Exception as error:  # pydicom raises many types on malformed input; report, never crash
        raise DicomReadError(path, f"unreadable DICOM header ({type(error).__name__}: {error})") from error
