"""The transcriptionist's view: pending dictations (urgent first), played with the dictation keys, typed beside."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QPlainTextEdit, QVBoxLayout, QWidget

from workstation.core.errors import WorkstationError
from workstation.reporting.dictation import DictationStore
from workstation.reporting.dictation_controls import DictationControls
from workstation.reporting.transcription import TranscriptionQueue
from workstation._qt.reporting.dictation_bar import DictationBar

log = logging.getLogger(__name__)


class TranscriptionView(QWidget):
    message = Signal(str)

    def __init__(self, store: DictationStore | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.queue = TranscriptionQueue(store)
        self.controls: DictationControls | None = None
        self.pending = QListWidget()
        self.pending.currentItemChanged.connect(self._selected)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("Type the dictation here; Ctrl+Return marks it transcribed")
        self.bar = DictationBar()
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Waiting for transcription</b> (urgent first)"))
        layout.addWidget(self.pending, 1)
        layout.addWidget(self.bar)
        layout.addWidget(self.text, 2)
        self.refresh()

    def refresh(self) -> None:
        self.pending.clear()
        for dictation in self.queue.pending():
            when = time.strftime("%H:%M", time.localtime(dictation.created_at))
            urgent = "URGENT  " if dictation.urgent else ""
            item = QListWidgetItem(f"{urgent}{dictation.accession_number}  {dictation.duration_seconds:.0f} s  "
                                   f"{dictation.author}  {when}")
            item.setData(Qt.ItemDataRole.UserRole, dictation.dictation_id)
            self.pending.addItem(item)
        if self.pending.count():
            self.pending.setCurrentRow(0)

    def _selected(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        self._keep_text()
        if self.controls is not None:
            self.controls.close()
        self.controls = None
        if item is None:
            self.bar.set_controls(None)
            return
        dictation = self.queue.store.get(item.data(Qt.ItemDataRole.UserRole))
        self.controls = DictationControls(self.queue.store, dictation)
        self.controls.to_start()
        self.bar.set_controls(self.controls)
        self.text.setPlainText(dictation.transcript)

    def _keep_text(self) -> None:
        if self.controls is not None:
            self.queue.save_text(self.controls.dictation.dictation_id, self.text.toPlainText())

    def complete(self) -> bool:
        if self.controls is None:
            return False
        try:
            self.queue.complete(self.controls.dictation.dictation_id, self.text.toPlainText())
        except WorkstationError as error:
            self.message.emit(str(error))
            return False
        self.controls.close()
        self.controls = None
        self.text.clear()
        self.message.emit("Transcription saved; the report editor shows it as findings.")
        self.refresh()
        return True
