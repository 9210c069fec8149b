"""The worklist columns and how each cell reads, shared by the panel and ``workstation worklist``."""

from __future__ import annotations

import time
from collections.abc import Callable

from workstation.worklist.exam import Exam, ReadingStatus


def _clock(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(seconds)) if seconds else ""


def waiting_text(seconds: float) -> str:
    if seconds <= 0:
        return ""
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h {minutes % 60:02d}" if hours < 48 else f"{hours // 24} d"


def images_text(exam: Exam) -> str:
    if exam.image_count == 0:
        return "none yet"
    return f"{exam.image_count}" + ("" if exam.images_complete else " arriving")


def locked_text(exam: Exam, now: float | None = None) -> str:
    return exam.locked_by if exam.is_locked(now) else ""


def priority_text(exam: Exam) -> str:
    return exam.priority.value + (" ED" if exam.emergency else "")


def patient_text(exam: Exam) -> str:
    return exam.patient_name.replace("^", ", ", 1).replace("^", " ")


COLUMNS: tuple[tuple[str, Callable[[Exam], str]], ...] = (
    ("Priority", priority_text),
    ("Patient", patient_text),
    ("Age/Sex", lambda exam: " ".join(part for part in (exam.age(), exam.sex) if part)),
    ("Procedure", lambda exam: exam.procedure),
    ("Modality", lambda exam: exam.modality),
    ("Accession", lambda exam: exam.accession_number),
    ("Ordered", lambda exam: _clock(exam.ordered_at)),
    ("Performed", lambda exam: _clock(exam.performed_at)),
    ("Waiting", lambda exam: waiting_text(exam.waiting_seconds())),
    ("Status", lambda exam: exam.status.label),
    ("Locked by", lambda exam: locked_text(exam)),
    ("Priors", lambda exam: str(exam.prior_count) if exam.prior_count else ""),
    ("Images", images_text),
)
COLUMN_TITLES = tuple(title for title, _ in COLUMNS)


def row_texts(exam: Exam) -> list[str]:
    return [text(exam) for _, text in COLUMNS]


def status_counts(exams: list[Exam]) -> dict[ReadingStatus, int]:
    """Exams per status among those listed (the reader's visible ones: confidential exams are not counted)."""
    counts = {status: 0 for status in ReadingStatus}
    for exam in exams:
        counts[exam.status] += 1
    return counts


def counts_text(counts: dict[ReadingStatus, int]) -> str:
    """ "3 images available · 1 in progress ..." for the panel header and the command line."""
    shown = [status for status in ReadingStatus if status != ReadingStatus.CANCELLED]
    return " · ".join(f"{counts.get(status, 0)} {status.label}" for status in shown)
