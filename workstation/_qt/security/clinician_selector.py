"""The clinicians' selector page: search a patient, see the exams and signed reports, tick the series
worth seeing (preselected from the key images), open them. No reporting tools."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton, QVBoxLayout,
    QWidget,
)

from workstation._qt.study_table import dicom_date, person_name
from workstation.archive import Archive, StudyRecord
from workstation.reporting.signing import SignedReports
from workstation.security.audit.messages import PatientRef
from workstation.security.clinician_selector import (
    ClinicianExam, clinician_exam, search_studies, selected_paths,
)
from workstation.security.station import StationSecurity
from workstation.security.users import User
from workstation.viewer.image_stack import ImageStack
from workstation.viewer.view_plan import ViewportBox

UID_ROLE = Qt.ItemDataRole.UserRole
SIMPLE_LAYOUTS = {1: "1x1", 2: "1x2", 3: "2x2", 4: "2x2"}


def simple_hanging(stacks: list[ImageStack]) -> tuple[str, list[ViewportBox]]:
    """The clinicians' layout: the chosen series side by side (up to four; the rest in the series strip), no
    hanging protocol, no priors fetched, no MPR or 3D."""
    shown = stacks[: max(SIMPLE_LAYOUTS)]
    boxes = [ViewportBox(stack.display_set.series.series_instance_uid if stack.display_set else stack.uid,
                         stack.study_instance_uid, stack_uid=stack.uid) for stack in shown]
    return SIMPLE_LAYOUTS[max(1, len(shown))], boxes


class ClinicianSelector(QWidget):
    open_requested = Signal(str, list)  # Study Instance UID, file paths of the ticked series

    def __init__(self, archive: Archive, security: StationSecurity, user: User | None,
                 reports: SignedReports | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clinician-selector")
        self.archive, self.security, self.user = archive, security, user
        self.reports = reports or SignedReports()
        self.exam: ClinicianExam | None = None
        self.search = QLineEdit()
        self.search.setObjectName("selector-search")
        self.search.setPlaceholderText("Patient name or ID, then Enter")
        self.search.returnPressed.connect(self.find)
        self.note = QLabel("")
        self.note.setObjectName("selector-note")
        self.note.setWordWrap(True)
        self.studies = QListWidget()
        self.studies.currentItemChanged.connect(lambda item, _old: self.show_exam(item))
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.series = QListWidget()
        self.open_button = QPushButton("Open selected images")
        self.open_button.clicked.connect(self.open_selected)
        left = QVBoxLayout()
        left.addWidget(QLabel("Patient"))
        left.addWidget(self.search)
        left.addWidget(self.note)
        left.addWidget(self.studies, 1)
        right = QVBoxLayout()
        right.addWidget(QLabel("Signed report"))
        right.addWidget(self.report, 2)
        right.addWidget(QLabel("Series (key images preselected)"))
        right.addWidget(self.series, 1)
        right.addWidget(self.open_button)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right, 2)

    @property
    def viewer(self) -> str:
        return self.user.name if self.user else ""

    def find(self) -> None:
        text = self.search.text()
        if not text.strip():
            self.note.setText("Type part of the patient's name or ID, then Enter.")
            return
        studies = search_studies(self.archive, self.security.policy, self.user, text)
        self.security.trail.record(self.security.trail.messages.query(self.viewer or "station", f"patient~{text}"))
        self.studies.clear()
        self.report.clear()
        self.series.clear()
        for study in studies:
            item = QListWidgetItem(f"{person_name(study.patient_name)}  {study.patient_id}  "
                                   f"{dicom_date(study.study_date)}  {'/'.join(study.modalities)}  "
                                   f"{study.study_description}")
            item.setData(UID_ROLE, study)
            self.studies.addItem(item)
        self.note.setText(f"{len(studies)} exam(s) found." if studies else
                          f"No exam found for {text.strip()!r} (or none you may see): check the spelling or the ID.")
        if studies:
            self.studies.setCurrentRow(0)

    def show_exam(self, item: QListWidgetItem | None) -> None:
        self.series.clear()
        if item is None:
            return
        study: StudyRecord = item.data(UID_ROLE)
        self.exam = clinician_exam(self.archive, self.reports, self.security.keywords, self.viewer, study)
        trail = self.security.trail
        trail.record(trail.messages.instances_accessed(
            self.viewer or "station", (PatientRef(study.patient_id, study.patient_name),), (study.study_instance_uid,),
            detail="clinicians' selector: " + ("signed report and series shown" if self.exam.report_text
                                               else "series shown, no signed report")))
        self.report.setPlainText(self.exam.report_text or "No signed report yet.")
        for offered in self.exam.series:
            record = offered.series
            text = f"#{record.series_number if record.series_number is not None else '-'} {record.modality} " \
                   f"{record.series_description or '(no description)'} – {record.instance_count} images"
            entry = QListWidgetItem(text + (f"  [{offered.why}]" if offered.why else ""))
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(Qt.CheckState.Checked if offered.preselected else Qt.CheckState.Unchecked)
            entry.setData(UID_ROLE, record.series_instance_uid)
            self.series.addItem(entry)

    def ticked_series(self) -> list[str]:
        return [self.series.item(row).data(UID_ROLE) for row in range(self.series.count())
                if self.series.item(row).checkState() == Qt.CheckState.Checked]

    def open_selected(self) -> None:
        if self.exam is None:
            return
        paths: list[Path] = selected_paths(self.archive, self.ticked_series())
        if not paths:
            self.note.setText("Tick at least one series to open (the key images are ticked when there are any).")
            return
        self.open_requested.emit(self.exam.study.study_instance_uid, paths)
