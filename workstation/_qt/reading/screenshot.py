"""A screenshot of a window as the reader sees it, VTK views included.

``QWidget.grab`` renders Qt's widgets only: the OpenGL views of MPR and 3D come back black. Each visible
VTK view is therefore read back from its render window and painted over its place in the grab.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget
from vtkmodules.qt.QVTKRenderWindowInteractor import QVTKRenderWindowInteractor

from workstation.render.capture import grab

log = logging.getLogger(__name__)


def grab_with_views(window: QWidget) -> QImage:
    """The window's pixels (one per logical pixel) with every visible VTK view drawn in."""
    image = window.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    image = image.scaled(window.width(), window.height())
    painter = QPainter(image)
    try:
        for view in window.findChildren(QVTKRenderWindowInteractor):
            if not view.isVisible() or view.width() < 2 or view.height() < 2:
                continue
            render_window = view.GetRenderWindow()
            render_window.Render()
            rgb = np.ascontiguousarray(grab(render_window))
            height, width = rgb.shape[:2]
            picture = QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
            corner = view.mapTo(window, QPoint(0, 0))
            painter.drawImage(QRect(corner.x(), corner.y(), view.width(), view.height()), picture)
    finally:
        painter.end()
    return image


def save_screenshot(window: QWidget, path: Path) -> bool:
    """Save ``grab_with_views(window)`` as PNG; False (logged, and said on stderr) when it cannot be written."""
    if not grab_with_views(window).save(str(path), "PNG"):
        log.error("could not save the screenshot to %s", path)
        print(f"workstation: could not save the screenshot to {path} (check the folder exists and is writable)",
              file=sys.stderr)
        return False
    print(f"saved screenshot to {path}")
    return True
