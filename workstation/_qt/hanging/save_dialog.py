""""Save current screen as protocol": name, the proposed matching rules (each can be unticked, its weight
changed) and "make default for this exam type"."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QGridLayout, QGroupBox, QLabel, QLineEdit,
    QVBoxLayout, QWidget,
)

from workstation.hanging.rules import Rule


class SaveProtocolDialog(QDialog):
    def __init__(self, proposed: tuple[Rule, ...], default_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Save current screen as protocol")
        self._proposed = proposed
        self.name = QLineEdit(default_name)
        self.default_for_exam_type = QCheckBox("Make default for this exam type")
        self.default_for_exam_type.setToolTip("Wins over the site's protocols for studies that fit these rules")
        self.rule_boxes: list[QCheckBox] = []
        self.weights: list[QDoubleSpinBox] = []
        rules_group = QGroupBox("Use for studies where")
        grid = QGridLayout(rules_group)
        grid.addWidget(QLabel("weight"), 0, 1)
        for row, rule in enumerate(proposed, start=1):
            tick = QCheckBox(rule.describe() + (" (required)" if rule.required else ""))
            tick.setChecked(True)
            weight = QDoubleSpinBox()
            weight.setRange(-1000, 1000)
            weight.setValue(rule.weight)
            grid.addWidget(tick, row, 0)
            grid.addWidget(weight, row, 1)
            self.rule_boxes.append(tick)
            self.weights.append(weight)
        form = QFormLayout()
        form.addRow("Name", self.name)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept_if_named)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(rules_group)
        layout.addWidget(self.default_for_exam_type)
        layout.addWidget(buttons)

    def rules(self) -> tuple[Rule, ...]:
        return tuple(replace(rule, weight=weight.value())
                     for rule, tick, weight in zip(self._proposed, self.rule_boxes, self.weights) if tick.isChecked())

    def _accept_if_named(self) -> None:
        if self.name.text().strip():
            self.accept()
        else:
            self.name.setPlaceholderText("A name is needed")
            self.name.setFocus()
