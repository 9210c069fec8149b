"""The worklist rows for a QTableView: texts from workstation.worklist.columns, urgent rows highlighted."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from workstation.worklist.columns import COLUMN_TITLES, row_texts
from workstation.worklist.exam import Exam, Priority

STAT_BACKGROUND = QColor("#8b1a1a")
URGENT_BACKGROUND = QColor("#7a5a12")
ACCESSION_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
"""What a click on a column header sorts by: ranks and times as numbers, not their texts."""

_SORT_KEYS = {
    "Priority": lambda exam: exam.priority.rank * 2 + (0 if exam.emergency else 1),
    "Ordered": lambda exam: exam.ordered_at,
    "Performed": lambda exam: exam.performed_at,
    "Waiting": lambda exam: exam.waiting_seconds(),
    "Priors": lambda exam: exam.prior_count,
    "Images": lambda exam: exam.image_count,
    "Age/Sex": lambda exam: -int(exam.birth_date[:8]) if exam.birth_date[:8].isdigit() else 0,
}

Index = QModelIndex | QPersistentModelIndex


class WorklistTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.exams: list[Exam] = []
        self._texts: list[list[str]] = []

    def set_exams(self, exams: list[Exam]) -> None:
        self.beginResetModel()
        self.exams = list(exams)
        self._texts = [row_texts(exam) for exam in self.exams]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.exams)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(COLUMN_TITLES)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMN_TITLES[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        exam = self.exams[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts[index.row()][index.column()]
        if role == ACCESSION_ROLE:
            return exam.accession_number
        if role == SORT_ROLE:
            key = _SORT_KEYS.get(COLUMN_TITLES[index.column()])
            return key(exam) if key else self._texts[index.row()][index.column()].lower()
        if role == Qt.ItemDataRole.BackgroundRole:
            if exam.priority == Priority.STAT:
                return QBrush(STAT_BACKGROUND)
            if exam.priority == Priority.URGENT or exam.emergency:
                return QBrush(URGENT_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole and exam.priority != Priority.ROUTINE:
            return QBrush(QColor("white"))
        if role == Qt.ItemDataRole.FontRole and exam.priority == Priority.STAT:
            font = QFont()
            font.setBold(True)
            return font
        return None
