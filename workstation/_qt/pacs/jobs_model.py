"""Retrieve jobs of this session as a table: state, instances, megabytes, rate, and the failure message."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex

from workstation._qt.column_table import ColumnTableModel
from workstation.net.job_queue import JobState, Priority, RetrieveJob
from workstation.net.transfer import RetrieveProgress

FINISHED = (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


@dataclass
class JobRow:
    job: RetrieveJob
    label: str  # what the radiologist recognises: patient, date, description
    final: RetrieveProgress | None = None  # frozen when the job ends, so its rate stops decaying

    @property
    def progress(self) -> RetrieveProgress | None:
        if self.final is None and self.job.state in FINISHED:
            report = self.job.report  # a finished retrieve's own figures, timed where it ended
            self.final = self.job.progress if report is None else RetrieveProgress(
                report.total_instances, report.received_instances, report.received_bytes, report.already_present,
                report.elapsed_seconds, report.first_instance_seconds)
        return self.final or self.job.progress


def _images(row: JobRow) -> str:
    progress = row.progress
    if progress is None:
        return ""
    have = progress.received_instances + progress.already_present
    return f"{have}/{progress.total_instances}" if progress.total_instances else str(have)


def _megabytes(row: JobRow) -> str:
    progress = row.progress
    return f"{progress.received_bytes / 1e6:.1f}" if progress else ""


def _rate(row: JobRow) -> str:
    progress = row.progress
    if progress is None or progress.elapsed_seconds <= 0 or not progress.received_instances:
        return ""
    per_second = progress.instances_per_second
    images = f"{per_second:.0f}" if per_second >= 10 else f"{per_second:.2g}"  # not "2.38e+03" on a fast link
    return f"{progress.bytes_per_second / 1e6:.1f} MB/s, {images} img/s"


KINDS = {Priority.CURRENT: "current", Priority.NEXT: "next exam", Priority.PRIOR: "prior"}

COLUMNS = (
    ("Study", lambda row: row.label),
    ("From", lambda row: row.job.node.name),
    ("Kind", lambda row: KINDS[row.job.priority]),
    ("State", lambda row: row.job.state.value),
    ("Images", _images),
    ("MB", _megabytes),
    ("Rate", _rate),
    ("Message", lambda row: row.job.error),
)


class RetrieveJobsModel(ColumnTableModel):
    columns = COLUMNS

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[JobRow] = []
        self._retired: list[RetrieveJob] = []  # jobs a resume replaced: their late reports are ignored

    def add(self, job: RetrieveJob, label: str) -> int:
        self.beginInsertRows(QModelIndex(), 0, 0)  # newest on top
        self.rows.insert(0, JobRow(job, label))
        self.endInsertRows()
        return 0

    def row_of(self, job: RetrieveJob) -> int | None:
        return next((number for number, row in enumerate(self.rows) if row.job is job), None)

    def replace(self, row: int, job: RetrieveJob) -> None:
        """The row's job resumed as a new job (a retry fetches only what is missing)."""
        self._retired.append(self.rows[row].job)
        self.rows[row].job, self.rows[row].final = job, None
        self.changed(row)

    def is_retired(self, job: RetrieveJob) -> bool:
        return any(retired is job for retired in self._retired)

    def changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def running(self) -> list[RetrieveJob]:
        return [row.job for row in self.rows if row.job.state not in FINISHED]

    def items(self) -> list:
        return self.rows

    def tooltip(self, item) -> str:
        return item.job.error or f"Study Instance UID {item.job.study_instance_uid}"
