"""Local archive: the SQLite-indexed file store of studies on this workstation, with import, export and eviction."""

from workstation.archive.archive import Archive
from workstation.archive.records import (
    EvictionReport,
    ImportReport,
    PatientRecord,
    SeriesRecord,
    StoreResult,
    StudyRecord,
)

__all__ = [
    "Archive",
    "EvictionReport",
    "ImportReport",
    "PatientRecord",
    "SeriesRecord",
    "StoreResult",
    "StudyRecord",
]
