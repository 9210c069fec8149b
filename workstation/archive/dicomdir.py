"""Reading a DICOMDIR (the index of a CD, DVD or USB medium) to find the files it lists."""

from __future__ import annotations

from pathlib import Path

from pydicom.fileset import FileSet

from workstation.core.errors import DicomReadError
from workstation.dicom.reading import read_dataset

DICOMDIR_NAME = "DICOMDIR"


def is_dicomdir_name(path: Path) -> bool:
    return path.name.upper() == DICOMDIR_NAME


def referenced_files(dicomdir: Path) -> list[Path]:
    """The instance files a DICOMDIR lists (pydicom refuses entries that lead outside the medium's folder)."""
    dataset = read_dataset(dicomdir)
    try:
        return [Path(instance.path) for instance in FileSet(dataset)]
    except Exception as error:  # pydicom rejects malformed directory records in many ways
        raise DicomReadError(dicomdir, f"not a valid DICOMDIR ({error})") from error
