"""The study list as a Qt table model over the archive's StudyRecord rows (newest first)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from workstation.archive import StudyRecord


def dicom_date(value: str) -> str:
    """YYYYMMDD -> YYYY-MM-DD, anything else unchanged (archives hold odd dates)."""
    return f"{value[:4]}-{value[4:6]}-{value[6:8]}" if len(value) == 8 and value.isdigit() else value


def person_name(value: str) -> str:
    """DICOM PN "Family^Given^Middle" -> "FAMILY, Given Middle" as radiologists read it."""
    family, _, rest = value.partition("^")
    given = " ".join(part for part in rest.split("^")[:2] if part)
    return f"{family.upper()}, {given}" if given else family.upper()


COLUMNS: tuple[tuple[str, Callable[[StudyRecord], object]], ...] = (
    ("Patient", lambda study: person_name(study.patient_name)),
    ("Patient ID", lambda study: study.patient_id),
    ("Date", lambda study: dicom_date(study.study_date)),
    ("Description", lambda study: study.study_description),
    ("Modalities", lambda study: "/".join(study.modalities)),
    ("Series", lambda study: study.series_count),
    ("Images", lambda study: study.instance_count),
    ("Accession", lambda study: study.accession_number),
)
DESCRIPTION_COLUMN = [title for title, _ in COLUMNS].index("Description")


class StudyTableModel(QAbstractTableModel):
    """Unread studies are shown in bold, as on a reading worklist."""

    def __init__(self) -> None:
        super().__init__()
        self._studies: list[StudyRecord] = []

    def set_studies(self, studies: list[StudyRecord]) -> None:
        self.beginResetModel()
        self._studies = list(studies)
        self.endResetModel()

    def study_at(self, row: int) -> StudyRecord:
        return self._studies[row]

    def row_of(self, study_instance_uid: str) -> int | None:
        for row, study in enumerate(self._studies):
            if study.study_instance_uid == study_instance_uid:
                return row
        return None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._studies)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        value = COLUMNS[index.column()][1](self._studies[index.row()])
        if role == Qt.ItemDataRole.DisplayRole:
            return str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, int):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and not self._studies[index.row()].read:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][0]
        return None
