"""Synthetic DICOM instances for archive tests (small, with chosen UIDs, patients and preambles), and checks."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from workstation.archive import Archive
from workstation.core.stored_file import read_stored

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def instance_bytes(
    *,
    sop_instance_uid: str | None = None,
    study_instance_uid: str = "1.2.826.0.1.3680043.8.498.1",
    series_instance_uid: str = "1.2.826.0.1.3680043.8.498.1.1",
    patient_id: str = "P1",
    patient_name: str = "Test^Patient",
    study_date: str = "20240101",
    study_description: str = "CT CHEST",
    modality: str = "CT",
    series_number: int = 1,
    instance_number: int = 1,
    preamble: bytes = bytes(128),
    pixels: int = 16,
) -> bytes:
    """A small CT image as a Part 10 file; ``pixels`` sets the matrix side (and so the file size)."""
    sop_instance_uid = sop_instance_uid or generate_uid()
    dataset = Dataset()
    dataset.SOPClassUID = CTImageStorage
    dataset.SOPInstanceUID = sop_instance_uid
    dataset.StudyInstanceUID = study_instance_uid
    dataset.SeriesInstanceUID = series_instance_uid
    dataset.PatientID = patient_id
    dataset.PatientName = patient_name
    dataset.StudyDate = study_date
    dataset.StudyTime = "120000"
    dataset.StudyID = "1"
    dataset.StudyDescription = study_description
    dataset.Modality = modality
    dataset.SeriesNumber = series_number
    dataset.InstanceNumber = instance_number
    dataset.Rows = dataset.Columns = pixels
    dataset.SamplesPerPixel = 1
    dataset.PhotometricInterpretation = "MONOCHROME2"
    dataset.BitsAllocated = dataset.BitsStored = 16
    dataset.HighBit = 15
    dataset.PixelRepresentation = 1
    dataset.PixelData = np.arange(pixels * pixels, dtype=np.int16).tobytes()
    dataset.file_meta = FileMetaDataset()
    dataset.file_meta.MediaStorageSOPClassUID = CTImageStorage
    dataset.file_meta.MediaStorageSOPInstanceUID = sop_instance_uid
    dataset.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    dataset.preamble = preamble
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def stored_files(folder: Path) -> set[Path]:
    """Every instance file on disk under an archive folder."""
    return {path for path in (folder / "files").rglob("*") if path.is_file()}


def indexed_files(archive: Archive) -> set[Path]:
    """Every file the index lists."""
    return {
        path
        for study in archive.studies()
        for series in archive.series(study.study_instance_uid)
        for path in archive.instance_paths(series.series_instance_uid)
    }


def assert_index_and_files_agree(archive: Archive) -> None:
    """Files on disk are exactly the indexed ones, the sizes the index holds are right, no temporaries remain."""
    assert indexed_files(archive) == stored_files(archive.folder)
    for study in archive.studies():
        for series in archive.series(study.study_instance_uid):
            paths = archive.instance_paths(series.series_instance_uid)
            assert series.instance_count == len(paths)
            assert series.size_bytes == sum(len(read_stored(path)) for path in paths)  # plaintext when encrypted
    assert not any((archive.folder / "incoming").iterdir())


def kill_command_when(home: Path, arguments: list[str], ready: Callable[[], bool], poll: float = 0.001) -> None:
    """Run ``workstation ARGUMENTS`` in its own process and SIGKILL it once ``ready()`` (a crash test's moment)."""
    environment = {**os.environ, "WORKSTATION_HOME": str(home), "PYTHONPATH": str(PROJECT_ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "workstation", *arguments], env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None and not ready():
        time.sleep(poll)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL, f"`workstation {arguments[0]}` ended before it could be killed"
