"""What the X server really shows, not what Qt would draw: the VTK views are native windows that
``QWidget.grab`` does not see, so a lock screen that VTK paints over would pass a widget grab."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QWidget

SHOTS_VARIABLE = "WORKSTATION_TEST_SHOTS"  # a folder: the tests save their screen grabs there to look at


def screen_rgb(widget: QWidget, rect: QRect | None = None, save_as: str = "") -> np.ndarray:
    """The screen's pixels (rows, columns, RGB) under ``rect`` of ``widget`` (all of it by default)."""
    rect = rect or widget.rect()
    corner = widget.mapToGlobal(rect.topLeft())
    screen = QApplication.primaryScreen().grabWindow(0).toImage().convertToFormat(QImage.Format.Format_RGB888)
    image = screen.copy(QRect(corner, rect.size()))
    folder = os.environ.get(SHOTS_VARIABLE)
    if folder and save_as:
        Path(folder).mkdir(parents=True, exist_ok=True)
        screen.save(str(Path(folder) / f"{save_as}.png"))
    width, height = image.width(), image.height()
    rows = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * height).reshape(height, -1)
    return rows[:, : width * 3].reshape(height, width, 3).copy()


def widget_rgb(widget: QWidget) -> np.ndarray:
    """What Qt itself draws for ``widget`` and its children."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888).scaled(widget.size())
    width, height = image.width(), image.height()
    rows = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * height).reshape(height, -1)
    return rows[:, : width * 3].reshape(height, width, 3).copy()


def share_of(rgb: np.ndarray, colour: QColor) -> float:
    """The fraction of the pixels that are exactly ``colour``."""
    same = np.all(rgb == (colour.red(), colour.green(), colour.blue()), axis=-1)
    return float(same.mean())


def rect_in(widget: QWidget, ancestor: QWidget) -> QRect:
    return QRect(widget.mapTo(ancestor, QPoint(0, 0)), widget.size())
