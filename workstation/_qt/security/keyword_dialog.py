"""Tagging the open exam from the keyboard: type a keyword (completed from the known ones), Enter."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QCompleter, QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget,
)

from workstation.security.keywords import SUGGESTED


class KeywordDialog(QDialog):
    LEVELS = ("study", "series", "image")

    def __init__(self, known: list[str], tags_now: list[str], parent: QWidget | None = None,
                 image_known: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyword for this exam")
        self.keyword = QLineEdit()
        self.keyword.setObjectName("keyword-text")
        self.keyword.setPlaceholderText("teaching file, research protocol, follow-up, or your own")
        completer = QCompleter(sorted({*known, *SUGGESTED}), self)
        self.keyword.setCompleter(completer)
        self.private = QCheckBox("Private (only I see it)")
        self.level = QComboBox()
        self.level.addItems(["The whole exam", "The series shown", "The image shown"][:3 if image_known else 1])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Tagged now: " + (", ".join(tags_now) or "nothing")))
        layout.addWidget(self.keyword)
        layout.addWidget(self.level)
        layout.addWidget(self.private)
        layout.addWidget(buttons)
        self.keyword.setFocus()

    def chosen_level(self) -> str:
        return self.LEVELS[self.level.currentIndex()]
