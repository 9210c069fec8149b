"""Break the glass: opening a confidential exam one is not listed for, after typing the reason."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

MINIMUM_REASON = 5


class BreakGlassDialog(QDialog):
    def __init__(self, study_instance_uid: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Confidential exam – break the glass")
        explanation = QLabel("This exam is restricted and you are not on its access list.\n"
                             "You may open it in an emergency: type why. Your name, the time and the reason "
                             "are recorded and shown in the exam's access report.")
        explanation.setWordWrap(True)
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("break-glass-reason")
        self.reason.setPlaceholderText("Reason (required)")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Open the exam")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reason.textChanged.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addWidget(QLabel(f"Study {study_instance_uid}"))
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)
        self._update()
        self.reason.setFocus()

    def reason_text(self) -> str:
        return self.reason.toPlainText().strip()

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(len(self.reason_text()) >= MINIMUM_REASON)
