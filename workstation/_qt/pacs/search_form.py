"""The search fields of the PACS page and the C-FIND / QIDO match keys they stand for."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QWidget

from workstation.core.errors import WorkstationError

_DATE_FORMATS = ("%Y%m%d", "%Y-%m-%d", "%d.%m.%Y")


class SearchError(WorkstationError):
    """A search field holds something the PACS cannot be asked (a date that is not a date)."""


def _dicom_date(text: str, label: str) -> str:
    text = text.strip()
    if not text:
        return ""
    for layout in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, layout).strftime("%Y%m%d")
        except ValueError:
            continue
    raise SearchError(f"The study date {label} {text!r} is not a date; write it as YYYY-MM-DD (e.g. 2024-03-31).")


def study_date_range(date_from: str, date_to: str) -> str:
    """DICOM range matching: ``FROM-TO``, ``FROM-`` (on or after), ``-TO`` (on or before), ``""`` (any)."""
    start, end = _dicom_date(date_from, "from"), _dicom_date(date_to, "to")
    if start and end and start > end:
        raise SearchError(f"The study date range ends ({date_to}) before it starts ({date_from}); swap them.")
    if start and end and start == end:
        return start
    return f"{start}-{end}" if start or end else ""


def study_match(patient_id: str = "", patient_name: str = "", accession_number: str = "", date_from: str = "",
                date_to: str = "", modality: str = "") -> dict[str, str]:
    """Match keys for a study-level query; a name without wildcards matches names starting with it."""
    match: dict[str, str] = {}
    if patient_id.strip():
        match["PatientID"] = patient_id.strip()
    name = patient_name.strip()
    if name:
        match["PatientName"] = name if any(mark in name for mark in "*?") else f"{name}*"
    if accession_number.strip():
        match["AccessionNumber"] = accession_number.strip()
    dates = study_date_range(date_from, date_to)
    if dates:
        match["StudyDate"] = dates
    if modality.strip():
        match["ModalitiesInStudy"] = modality.strip().upper()
    return match


class SearchForm(QWidget):
    """One row of fields; ``match()`` turns them into match keys (or raises SearchError)."""

    FIELDS = (
        ("patient_id", "Patient ID", ""),
        ("patient_name", "Name", "Doe^J"),
        ("accession_number", "Accession", ""),
        ("date_from", "Date from", "YYYY-MM-DD"),
        ("date_to", "to", "YYYY-MM-DD"),
        ("modality", "Modality", "CT"),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.fields: dict[str, QLineEdit] = {}
        for key, label, placeholder in self.FIELDS:
            edit = QLineEdit()
            edit.setObjectName(f"pacs-{key}")
            edit.setPlaceholderText(placeholder)
            edit.setClearButtonEnabled(True)
            title = QLabel(label)
            title.setBuddy(edit)
            layout.addWidget(title)
            layout.addWidget(edit, 2 if key in ("patient_name", "patient_id") else 1)
            self.fields[key] = edit

    def match(self) -> dict[str, str]:
        return study_match(**{key: edit.text() for key, edit in self.fields.items()})

    def set_values(self, **values: str) -> None:
        for key, value in values.items():
            self.fields[key].setText(value)
