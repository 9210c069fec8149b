"""The dictation strip under the report: level meter, position, mode and any recording problem."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from workstation.reporting.dictation_controls import DictationControls


class DictationBar(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controls: DictationControls | None = None
        self.meter = QProgressBar()
        self.meter.setRange(0, 100)
        self.meter.setTextVisible(False)
        self.meter.setFixedWidth(120)
        self.meter.setToolTip("Microphone level")
        self.state = QLabel("No dictation")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Mic"))
        layout.addWidget(self.meter)
        layout.addWidget(self.state, 1)
        self.timer = QTimer(self)
        self.timer.setInterval(50)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()

    def set_controls(self, controls: DictationControls | None) -> None:
        self.controls = controls
        self.refresh()

    def refresh(self) -> None:
        if self.controls is None:
            self.meter.setValue(0)
            self.state.setText("No dictation yet")
            return
        self.meter.setValue(round(min(1.0, self.controls.level * 2) * 100))
        self.state.setText(self.controls.describe())
