"""What the reader chose to see: filters (modality, body part, site, status, "mine"), search text and sort,
saved per user under the state folder (``worklist_filters.json``)."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from workstation.core.atomic_file import write_text_atomically
from workstation.settings.profile_folder import profile_file, profile_folder
from workstation.worklist.exam import Exam, ReadingStatus

log = logging.getLogger(__name__)

FILE_NAME = "worklist_filters.json"
DEFAULT_STATUSES = (
    ReadingStatus.SCHEDULED.value, ReadingStatus.IMAGES_AVAILABLE.value, ReadingStatus.IN_PROGRESS.value,
    ReadingStatus.DICTATED.value, ReadingStatus.PRELIMINARY.value,
)


@dataclass
class WorklistFilter:
    modalities: list[str] = field(default_factory=list)
    body_parts: list[str] = field(default_factory=list)
    sites: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=lambda: list(DEFAULT_STATUSES))
    mine_only: bool = False
    search: str = ""
    sort_column: str = ""
    sort_descending: bool = False

    def matches(self, exam: Exam, user: str = "") -> bool:
        if self.modalities and exam.modality.upper() not in {m.upper() for m in self.modalities}:
            return False
        if self.body_parts and exam.body_part.upper() not in {b.upper() for b in self.body_parts}:
            return False
        if self.sites and exam.site.upper() not in {s.upper() for s in self.sites}:
            return False
        if self.statuses and exam.status.value not in self.statuses:
            return False
        if self.mine_only and exam.locked_by != user:
            return False
        if self.search:
            haystack = " ".join((exam.patient_name, exam.patient_id, exam.accession_number, exam.procedure)).lower()
            return all(word in haystack for word in self.search.lower().split())
        return True

    def apply(self, exams: list[Exam], user: str = "") -> list[Exam]:
        return [exam for exam in exams if self.matches(exam, user)]


def filters_path(home: Path | None = None) -> Path:
    """Where the signed-in user's filters are saved (their own profile folder)."""
    return profile_folder(home) / FILE_NAME


def load_filter(home: Path | None = None) -> WorklistFilter:
    """The saved filter (the user's own, else the station's), or the default one when none is saved or the file
    is unreadable (logged)."""
    path = profile_file(FILE_NAME, home)
    if not path.exists():
        return WorklistFilter()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {item.name for item in fields(WorklistFilter)}
        return WorklistFilter(**{key: value for key, value in data.items() if key in known})
    except (OSError, ValueError, TypeError) as error:
        log.warning("worklist filters %s unreadable (%s); using the defaults", path, error)
        return WorklistFilter()


def save_filter(worklist_filter: WorklistFilter, home: Path | None = None) -> Path:
    path = filters_path(home)
    write_text_atomically(path, json.dumps(asdict(worklist_filter), indent=2))
    return path
