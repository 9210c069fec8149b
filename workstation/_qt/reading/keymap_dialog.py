"""Remapping keys: pick a command, press the new key, save; the map is stored per user (Keymap.save)."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout, QKeySequenceEdit, QLabel, QPushButton,
    QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from workstation._qt.reading.key_text import sequence_text
from workstation.core.commands import CommandRegistry
from workstation.core.keymap import Keymap, KeymapError

log = logging.getLogger(__name__)


class KeymapDialog(QDialog):
    """Edits a copy of the keymap; OK saves it and hands it back through ``keymap``; Cancel changes nothing."""

    def __init__(self, registry: CommandRegistry, keymap: Keymap, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(640, 640)
        self.registry = registry
        self.keymap = keymap.copy()
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.recorder = QKeySequenceEdit()
        self.recorder.setMaximumSequenceLength(1)
        self.assign_button = QPushButton("Add key")
        self.replace_button = QPushButton("Replace keys")
        self.clear_button = QPushButton("Clear keys")
        self.reset_button = QPushButton("Restore defaults")
        self.message = QLabel("Select an action, press a key in the box, then Add or Replace.")
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.assign_button.clicked.connect(lambda: self._record(replace=False))
        self.replace_button.clicked.connect(lambda: self._record(replace=True))
        self.clear_button.clicked.connect(self._clear)
        self.reset_button.clicked.connect(self._reset)

        row = QHBoxLayout()
        for widget in (self.recorder, self.assign_button, self.replace_button, self.clear_button, self.reset_button):
            row.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self._fill()

    def _fill(self) -> None:
        commands = list(self.registry)
        self.table.setRowCount(len(commands))
        for row, command in enumerate(commands):
            title = QTableWidgetItem(command.title)
            title.setToolTip(command.command_id)
            self.table.setItem(row, 0, title)
            self.table.setItem(row, 1, QTableWidgetItem(", ".join(self.keymap.keys_for(command.command_id))))

    def select_command(self, command_id: str) -> None:
        row = [c.command_id for c in self.registry].index(command_id)
        self.table.selectRow(row)

    def _selected_command(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return list(self.registry)[rows[0].row()].command_id if rows else None

    def assign(self, command_id: str, key: str, replace: bool = False) -> None:
        """Give ``command_id`` the key (added to its keys, or replacing them); say who lost it."""
        keys = [key] if replace else [*self.keymap.keys_for(command_id), key]
        losers = self.keymap.rebind(command_id, keys)
        self._fill()
        self.select_command(command_id)
        lost = ", ".join(self.registry.get(c).title for c in losers if c in self.registry)
        self.message.setText(f"{key} now runs '{self.registry.get(command_id).title}'"
                             + (f" (taken from '{lost}')." if lost else "."))

    def _record(self, replace: bool) -> None:
        command_id, key = self._selected_command(), sequence_text(self.recorder.keySequence())
        if command_id is None or key is None:
            self.message.setText("Select an action and press a key in the box first.")
            return
        self.assign(command_id, key, replace)
        self.recorder.clear()

    def _clear(self) -> None:
        command_id = self._selected_command()
        if command_id is not None:
            self.keymap.rebind(command_id, [])
            self._fill()
            self.select_command(command_id)

    def _reset(self) -> None:
        self.keymap.reset_to_defaults()
        self._fill()
        self.message.setText("Default keys restored (saved when you press OK).")

    def accept(self) -> None:
        try:
            self.keymap.save()
        except KeymapError as error:
            self.message.setText(str(error))
            return
        super().accept()

