"""What the archive reports: index records for the study browser and the outcome of imports, stores and evictions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class PatientRecord:
    patient_id: str
    issuer_of_patient_id: str
    patient_name: str
    birth_date: str
    sex: str
    study_count: int


@dataclass(frozen=True)
class StudyRecord:
    study_instance_uid: str
    patient_id: str
    issuer_of_patient_id: str
    patient_name: str
    study_date: str
    study_time: str
    accession_number: str
    study_description: str
    modalities: tuple[str, ...]
    series_count: int
    instance_count: int
    size_bytes: int
    last_access: float
    read: bool


@dataclass(frozen=True)
class SeriesRecord:
    series_instance_uid: str
    study_instance_uid: str
    modality: str
    series_number: int | None
    series_description: str
    body_part_examined: str
    instance_count: int
    size_bytes: int


@dataclass(frozen=True)
class ImportReport:
    """``problems`` are files not imported, with the reason; ``warnings`` files imported with a change or doubt.

    ``skipped`` are files met while walking a folder that are not DICOM at all (README, licence, ...): they
    are no failure, unlike a file named on purpose or a DICOM file that cannot be read.
    """

    imported: int
    duplicates: int
    problems: list[tuple[Path, str]]
    warnings: list[tuple[Path, str]]
    skipped: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class StoreResult:
    sop_instance_uid: str
    path: Path
    stored: bool
    duplicate: bool
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvictionReport:
    """``over_limit_bytes`` > 0 when the size limit could not be met because the rest is open or unread."""

    evicted: tuple[str, ...]
    freed_bytes: int
    remaining_bytes: int
    over_limit_bytes: int
