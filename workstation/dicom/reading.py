"""Reading DICOM files with pydicom, turning every failure into a message that names file and problem."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.errors import InvalidDicomError
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from workstation.core.errors import DicomReadError
from workstation.core.stored_file import StoredFileError, dcmread_stored

log = logging.getLogger(__name__)


def read_dataset(path: str | Path, *, header_only: bool = False) -> FileDataset:
    """Read one file; ``header_only`` stops before the pixel data (fast, for indexing and sorting).

    Files without the 128-byte preamble and "DICM" prefix are read again in forced mode, since many
    older archives wrote bare datasets. A missing Transfer Syntax UID is filled in from the encoding
    pydicom detected, when the pixel data is uncompressed, so such files still decode.
    """
    try:
        try:
            dataset = dcmread_stored(path, stop_before_pixels=header_only)
        except InvalidDicomError:
            dataset = dcmread_stored(path, stop_before_pixels=header_only, force=True)
            if "SOPClassUID" not in dataset and "PixelData" not in dataset:
                raise DicomReadError(path, "not a DICOM file (no DICOM header found)") from None
    except DicomReadError as error:
        log.warning("Cannot read %s: %s", path, error.problem)
        raise
    except StoredFileError as error:  # an encrypted cache file: key missing or another one, file altered
        raise _logged(DicomReadError(path, str(error).removeprefix(f"{path}: "))) from None
    except FileNotFoundError:
        raise _logged(DicomReadError(path, "file not found")) from None
    except PermissionError:
        raise _logged(DicomReadError(path, "permission denied")) from None
    except IsADirectoryError:
        raise _logged(DicomReadError(path, "is a folder, not a file")) from None
    except EOFError:
        raise _logged(DicomReadError(path, "file is truncated (ends in the middle of the header)")) from None
    except Exception as error:  # pydicom raises many types on malformed input; report, never crash
        log.warning("Cannot read %s", path, exc_info=True)
        raise DicomReadError(path, f"unreadable DICOM header ({type(error).__name__}: {error})") from error
    if len(dataset) == 0:
        raise _logged(DicomReadError(path, "holds no DICOM elements after its header (empty or truncated file)"))
    if not header_only:
        _complete_transfer_syntax(dataset, path)
    return dataset


def read_many(
    paths: Iterable[str | Path], *, header_only: bool = False
) -> tuple[list[FileDataset], list[DicomReadError]]:
    """Read every file it can and collect the problems of the others, so one bad file loses nothing else."""
    datasets: list[FileDataset] = []
    problems: list[DicomReadError] = []
    for path in paths:
        try:
            datasets.append(read_dataset(path, header_only=header_only))
        except DicomReadError as problem:
            problems.append(problem)
    return datasets, problems


def _complete_transfer_syntax(dataset: FileDataset, path: str | Path) -> None:
    """Give files without (0002,0010) the uncompressed syntax they were read with; compressed data stays unknown."""
    meta = getattr(dataset, "file_meta", None)
    if meta is not None and meta.get("TransferSyntaxUID"):
        return
    if "PixelData" in dataset and dataset["PixelData"].is_undefined_length:
        return  # encapsulated: the codec cannot be guessed, decoding will say so
    implicit_vr, little_endian = dataset.original_encoding
    if implicit_vr is None or little_endian is None:
        return
    if implicit_vr:
        syntax = ImplicitVRLittleEndian
    else:
        syntax = ExplicitVRLittleEndian if little_endian else ExplicitVRBigEndian
    if meta is None:
        dataset.file_meta = meta = FileMetaDataset()
    meta.TransferSyntaxUID = syntax
    log.info("%s has no Transfer Syntax UID; using %s, the encoding it was read with", path, syntax.name)


def _logged(error: DicomReadError) -> DicomReadError:
    log.warning("Cannot read %s: %s", error.path, error.problem)
    return error
