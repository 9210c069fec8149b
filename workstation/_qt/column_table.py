"""A read-only table model whose columns are (title, text of one row) pairs: the PACS results and jobs."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex
Column = tuple[str, Callable[[object], str]]


class ColumnTableModel(QAbstractTableModel):
    """Subclasses set ``columns`` and say which items are the rows (``items``) and their tooltips."""

    columns: tuple[Column, ...] = ()

    def items(self) -> Sequence:
        raise NotImplementedError

    def tooltip(self, item: object) -> str | None:
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.items())

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        item = self.items()[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[index.column()][1](item)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(item)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section][0]
        return None
