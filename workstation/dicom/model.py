"""Patient / Study / Series / Instance, built from file headers only (no pixel data is read).

This is the DICOM information model as a reader sees it: a patient has studies, a study has series, a
series has instances, and an instance has one or more frames. What goes into a viewport is not a series
but a display set (see ``workstation.dicom.displaysets``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from workstation.core.errors import DicomReadError
from workstation.dicom.geometry import ImagePlane
from workstation.dicom.multiframe import FrameAttributes, frame_attributes
from workstation.dicom.reading import read_dataset

log = logging.getLogger(__name__)

_NOT_DICOM_SUFFIXES = frozenset(
    ".txt .md .rst .json .csv .tsv .xml .html .htm .pdf .png .jpg .jpeg .gif .zip .gz .tar .py"
    " .nii .nrrd .mha .log .ini .yaml .yml".split()
)


@dataclass(frozen=True, eq=False)
class Instance:
    """One SOP instance (one file) and the pixel format its frames share."""

    path: Path
    sop_instance_uid: str
    sop_class_uid: str
    instance_number: int | None
    transfer_syntax_uid: str
    rows: int
    columns: int
    samples_per_pixel: int
    bits_allocated: int
    bits_stored: int
    pixel_representation: int
    photometric_interpretation: str
    frame_attributes: tuple[FrameAttributes, ...]

    @property
    def number_of_frames(self) -> int:
        return len(self.frame_attributes)

    @cached_property
    def frames(self) -> tuple[Frame, ...]:
        return tuple(Frame(self, index, attributes) for index, attributes in enumerate(self.frame_attributes))


@dataclass(frozen=True, eq=False)
class Frame:
    """One 2D image: a single-frame instance, or one frame (``index``, from 0) of a multi-frame one."""

    instance: Instance
    index: int
    attributes: FrameAttributes

    @property
    def plane(self) -> ImagePlane | None:
        return self.attributes.plane

    def __repr__(self) -> str:
        return f"Frame({self.instance.path.name}, {self.index})"


@dataclass(eq=False)
class Series:
    series_instance_uid: str
    modality: str
    series_number: int | None
    series_description: str
    frame_of_reference_uid: str
    instances: list[Instance] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def frames(self) -> list[Frame]:
        """Every frame, instances in Instance Number order (a reading order, not a geometric one)."""
        return [frame for instance in self.instances for frame in instance.frames]


@dataclass(eq=False)
class Study:
    study_instance_uid: str
    study_date: str
    study_description: str
    accession_number: str
    series: list[Series] = field(default_factory=list)


@dataclass(eq=False)
class Patient:
    """Patient ID and name as the files give them; the name is for display only, never for logs or file names."""

    patient_id: str
    patient_name: str
    studies: list[Study] = field(default_factory=list)

    def all_series(self) -> Iterator[Series]:
        for study in self.studies:
            yield from study.series


def instance_from_dataset(path: Path, dataset: Dataset) -> Instance:
    """An Instance from a header read with ``read_dataset(path, header_only=True)``."""
    try:
        return Instance(
            path=Path(path),
            sop_instance_uid=str(dataset.get("SOPInstanceUID", "")),
            sop_class_uid=str(dataset.get("SOPClassUID", "")),
            instance_number=_integer(dataset.get("InstanceNumber")),
            transfer_syntax_uid=_transfer_syntax(dataset),
            rows=int(dataset.get("Rows", 0) or 0),
            columns=int(dataset.get("Columns", 0) or 0),
            samples_per_pixel=int(dataset.get("SamplesPerPixel", 1) or 1),
            bits_allocated=int(dataset.get("BitsAllocated", 0) or 0),
            bits_stored=int(dataset.get("BitsStored", 0) or dataset.get("BitsAllocated", 0) or 0),
            pixel_representation=int(dataset.get("PixelRepresentation", 0) or 0),
            photometric_interpretation=str(dataset.get("PhotometricInterpretation", "")),
            frame_attributes=tuple(frame_attributes(dataset)),
        )
    except (TypeError, ValueError) as error:
        log.warning("Unusable image header in %s: %s", path, error)
        raise DicomReadError(path, f"the image header holds an invalid value ({error})") from error


def build_patients(headers: Iterable[tuple[Instance, Dataset]]) -> list[Patient]:
    """Group instances (with the headers they came from) into patients, studies and series.

    A repeated SOP Instance UID (the same image copied twice) is kept once and noted on its series.
    """
    patients: dict[str, Patient] = {}
    studies: dict[str, Study] = {}
    series_by_uid: dict[str, Series] = {}
    seen: dict[str, Path] = {}
    for instance, dataset in headers:
        patient_id = str(dataset.get("PatientID", ""))
        patient = patients.setdefault(patient_id, Patient(patient_id, str(dataset.get("PatientName", ""))))
        study_uid = str(dataset.get("StudyInstanceUID", ""))
        study = studies.get(study_uid)
        if study is None:
            study = studies[study_uid] = Study(
                study_uid,
                str(dataset.get("StudyDate", "")),
                str(dataset.get("StudyDescription", "")),
                str(dataset.get("AccessionNumber", "")),
            )
            patient.studies.append(study)
        series_uid = str(dataset.get("SeriesInstanceUID", ""))
        series = series_by_uid.get(series_uid)
        if series is None:
            series = series_by_uid[series_uid] = Series(
                series_uid,
                str(dataset.get("Modality", "")),
                _integer(dataset.get("SeriesNumber")),
                str(dataset.get("SeriesDescription", "")),
                str(dataset.get("FrameOfReferenceUID", "")),
            )
            study.series.append(series)
        if instance.sop_instance_uid and instance.sop_instance_uid in seen:
            original = seen[instance.sop_instance_uid].name
            series.warnings.append(
                f"{instance.path.name} is another copy of {original} (same SOP Instance UID); read once"
            )
            continue
        seen[instance.sop_instance_uid] = instance.path
        series.instances.append(instance)
    for series in series_by_uid.values():
        series.instances.sort(key=_reading_order)
    for study in studies.values():
        study.series.sort(key=lambda item: (item.series_number is None, item.series_number or 0))
    return list(patients.values())


def read_patients(paths: Iterable[str | Path]) -> tuple[list[Patient], list[DicomReadError]]:
    """Read the headers of files and folders (recursively); unreadable files are returned as errors.

    Inside folders, files that neither carry the DICOM prefix nor could be DICOM by their name (a
    LICENSE.txt, a README.md) are passed over, so that a folder of images is not reported as broken.
    """
    errors: list[DicomReadError] = []

    def readable_headers() -> Iterator[tuple[Instance, Dataset]]:
        for path in dicom_files(paths):
            try:
                dataset = read_dataset(path, header_only=True)
                yield instance_from_dataset(path, dataset), dataset
            except DicomReadError as error:
                errors.append(error)

    patients = build_patients(readable_headers())
    return patients, errors


def dicom_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files named directly, and the likely DICOM files under named folders, in a stable order."""
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            files.extend(
                candidate for candidate in sorted(path.rglob("*")) if candidate.is_file() and _may_be_dicom(candidate)
            )
        else:
            files.append(path)
    return files


def _reading_order(instance: Instance) -> tuple:
    return (instance.instance_number is None, instance.instance_number or 0, str(instance.path))


def _may_be_dicom(path: Path) -> bool:
    if path.name.startswith(".") or path.name == "DICOMDIR":
        return False
    try:
        with path.open("rb") as stream:
            stream.seek(128)
            if stream.read(4) == b"DICM":
                return True
    except OSError:
        return True  # let the reader report why it cannot be opened
    return path.suffix.lower() not in _NOT_DICOM_SUFFIXES and not path.stem.upper().startswith(("LICENSE", "README"))


def _transfer_syntax(dataset: Dataset) -> str:
    """The file's Transfer Syntax UID, or the uncompressed one the body was read with when it is missing."""
    meta = getattr(dataset, "file_meta", None)
    if meta is not None and meta.get("TransferSyntaxUID"):
        return str(meta.TransferSyntaxUID)
    implicit_vr, little_endian = getattr(dataset, "original_encoding", (None, None))
    if implicit_vr is None or little_endian is None:
        return ""
    if implicit_vr:
        return str(ImplicitVRLittleEndian)
    return str(ExplicitVRLittleEndian if little_endian else ExplicitVRBigEndian)


def _integer(value: object) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
