"""The series strip: one thumbnail per display set, grouped by study, current first, priors labelled.

Enter or a double click puts the display set in the active viewport; dragging it onto a viewport puts
it there.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from workstation._qt.reading.stack_viewport import DISPLAY_SET_MIME
from workstation.viewer.display_lut import DisplayLut
from workstation.viewer.image_stack import ImageStack
from workstation.viewer.viewport import window_from_values

THUMBNAIL_SIZE = 96
STACK_ROLE = Qt.ItemDataRole.UserRole + 1


def thumbnail(stack: ImageStack, values: np.ndarray) -> QPixmap:
    """The image under the stack's first header window (or a computed one), scaled to the strip."""
    if values.ndim == 3:
        grey = np.ascontiguousarray(values)
        image = QImage(grey.data, grey.shape[1], grey.shape[0], grey.shape[1] * 3, QImage.Format.Format_RGB888)
    else:
        window = stack.header_windows[0] if stack.header_windows else window_from_values(values)
        grey = np.ascontiguousarray(DisplayLut().apply(values, window, stack.presentation_inverted))
        image = QImage(grey.data, grey.shape[1], grey.shape[0], grey.shape[1], QImage.Format.Format_Grayscale8)
    return QPixmap.fromImage(image.scaled(THUMBNAIL_SIZE, THUMBNAIL_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                                          Qt.TransformationMode.SmoothTransformation))


def _date(value: str) -> str:
    return f"{value[:4]}-{value[4:6]}-{value[6:8]}" if len(value) == 8 else value or "no date"


class SeriesStrip(QListWidget):
    display_set_chosen = Signal(int)  # index into the session's display sets

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIconSize(QSize(THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        self.setFixedWidth(THUMBNAIL_SIZE + 120)
        self.setDragEnabled(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWordWrap(True)
        self.setStyleSheet("QListWidget { background: #181818; color: #ddd; border: none }")
        self.itemActivated.connect(self._activated)
        self._items: dict[int, QListWidgetItem] = {}

    def show_stacks(self, stacks: list[ImageStack]) -> None:
        self.clear()
        self._items.clear()
        current_study = None
        for index, stack in enumerate(stacks):
            if stack.study_instance_uid != current_study:
                current_study = stack.study_instance_uid
                title = ("PRIOR  " if stack.is_prior else "CURRENT  ") + _date(stack.labels.study_date)
                header = QListWidgetItem(f"{title}\n{stack.labels.study_description}")
                header.setFlags(Qt.ItemFlag.NoItemFlags)
                header.setForeground(QBrush(QColor(255, 170, 0) if stack.is_prior else QColor(120, 200, 255)))
                self.addItem(header)
            item = QListWidgetItem(f"{stack.labels.series_number} {stack.display_name}\n{len(stack)} images")
            item.setData(STACK_ROLE, index)
            self.addItem(item)
            self._items[index] = item

    def set_thumbnail(self, stack_index: int, pixmap: QPixmap) -> None:
        item = self._items.get(stack_index)
        if item is not None:
            item.setIcon(QIcon(pixmap))

    def mimeData(self, items: list[QListWidgetItem]) -> QMimeData:  # noqa: N802 - Qt's name
        data = QMimeData()
        if items and items[0].data(STACK_ROLE) is not None:
            data.setData(DISPLAY_SET_MIME, str(items[0].data(STACK_ROLE)).encode())
        return data

    def _activated(self, item: QListWidgetItem) -> None:
        index = item.data(STACK_ROLE)
        if index is not None:
            self.display_set_chosen.emit(int(index))
