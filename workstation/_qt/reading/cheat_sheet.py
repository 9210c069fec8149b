"""The '?' overlay: every command and its current keys, grouped, drawn over the reading screen."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from workstation.core.commands import CommandRegistry
from workstation.core.keymap import Keymap

CATEGORY_TITLES = {"viewport": "Image", "layout": "Layout", "view": "MPR and 3D", "mpr": "MPR slab", "volume": "3D",
                   "sync": "Linking", "tool": "Mouse tool", "measurement": "Measurements", "help": "Help"}


def cheat_sheet_lines(registry: CommandRegistry, keymap: Keymap) -> list[tuple[str, str, str]]:
    """(category title, keys, command title) for every command, bound ones first within each group."""
    lines = []
    for command in registry:
        keys = ", ".join(keymap.keys_for(command.command_id)) or "—"
        lines.append((CATEGORY_TITLES.get(command.category, command.category.title()), keys, command.title))
    order = list(dict.fromkeys(line[0] for line in lines))
    return sorted(lines, key=lambda line: (order.index(line[0]), line[1] == "—"))


class CheatSheet(QWidget):
    """Covers its parent; any key or click closes it (the reading view handles that)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.lines: list[tuple[str, str, str]] = []
        self.hide()

    def show_bindings(self, registry: CommandRegistry, keymap: Keymap) -> None:
        self.lines = cheat_sheet_lines(registry, keymap)
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()
        self.update()

    def mousePressEvent(self, event) -> None:  # noqa: N802
        self.hide()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(0, 0, 0, 215))
        font = QFont(painter.font())
        font.setPixelSize(13)
        painter.setFont(font)
        row_height = 18
        rows_per_column = max(1, (self.height() - 60) // row_height)
        column_width = 360
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(QRectF(20, 10, self.width() - 40, 30), int(Qt.AlignmentFlag.AlignLeft),
                         "Keyboard shortcuts (Ctrl+K to change them; any key closes this). In MPR and 3D the image "
                         "keys act on the volume: arrows scroll the active plane or turn 3D, Tab picks the plane, "
                         "R/Shift+R turn the oblique planes, 1-9 presets")
        row, column, previous = 0, 0, None
        for category, keys, title in self.lines:
            if category != previous:
                if row >= rows_per_column - 2:
                    row, column = 0, column + 1
                painter.setPen(QColor(255, 170, 0))
                painter.drawText(QRectF(20 + column * column_width, 45 + row * row_height, column_width, row_height),
                                 int(Qt.AlignmentFlag.AlignLeft), category)
                row, previous = row + 1, category
            if row >= rows_per_column:
                row, column = 0, column + 1
            x, y = 20 + column * column_width, 45 + row * row_height
            painter.setPen(QColor(120, 200, 255))
            painter.drawText(QRectF(x, y, 110, row_height), int(Qt.AlignmentFlag.AlignLeft), keys)
            painter.setPen(QColor(235, 235, 235))
            painter.drawText(QRectF(x + 115, y, column_width - 120, row_height), int(Qt.AlignmentFlag.AlignLeft), title)
            row += 1
        painter.end()
