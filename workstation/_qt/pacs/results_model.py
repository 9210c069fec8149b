"""The studies a PACS answered, as a table, each with how much of it the local archive already holds."""

from __future__ import annotations

from dataclasses import dataclass, replace

from workstation._qt.column_table import ColumnTableModel
from workstation.net.query_results import RemoteStudy


@dataclass(frozen=True)
class SearchResult:
    study: RemoteStudy
    held_instances: int  # instances of this study already in the local archive

    @property
    def in_archive(self) -> str:
        """"yes", "partial" or "no": what a Retrieve would still have to fetch."""
        expected = self.study.number_of_instances
        if self.held_instances == 0:
            return "no"
        if expected is None or self.held_instances >= expected:
            return "yes"
        return "partial"


def _date(text: str) -> str:
    return f"{text[:4]}-{text[4:6]}-{text[6:8]}" if len(text) == 8 and text.isdigit() else text


def _count(value: int | None) -> str:
    return "" if value is None else str(value)


def _in_archive_text(result: SearchResult) -> str:
    state = result.in_archive
    if state == "partial":
        return f"partial ({result.held_instances}/{result.study.number_of_instances})"
    return state


COLUMNS = (
    ("Patient", lambda r: f"{r.study.patient_name.replace('^', ' ')} ({r.study.patient_id})"),
    ("Date", lambda r: _date(r.study.study_date)),
    ("Description", lambda r: r.study.study_description),
    ("Accession", lambda r: r.study.accession_number),
    ("Modalities", lambda r: ", ".join(r.study.modalities)),
    ("Series", lambda r: _count(r.study.number_of_series)),
    ("Images", lambda r: _count(r.study.number_of_instances)),
    ("In archive", _in_archive_text),
)


class SearchResultsModel(ColumnTableModel):
    columns = COLUMNS

    def __init__(self) -> None:
        super().__init__()
        self.results: list[SearchResult] = []

    def set_results(self, results: list[SearchResult]) -> None:
        self.beginResetModel()
        self.results = sorted(results, key=lambda result: result.study.study_date, reverse=True)
        self.endResetModel()

    def set_held(self, held: dict[str, int]) -> None:
        """Update the "in archive" column from fresh counts (after a retrieve)."""
        for row, result in enumerate(self.results):
            count = held.get(result.study.study_instance_uid)
            if count is not None and count != result.held_instances:
                self.results[row] = replace(result, held_instances=count)
                cell = self.index(row, len(COLUMNS) - 1)
                self.dataChanged.emit(cell, cell)

    def result_for(self, study_instance_uid: str) -> SearchResult | None:
        return next((r for r in self.results if r.study.study_instance_uid == study_instance_uid), None)

    def items(self) -> list:
        return self.results

    def tooltip(self, item) -> str:
        return f"Study Instance UID {item.study.study_instance_uid}"
