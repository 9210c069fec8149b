"""The self-test's on-screen part: the main window opens and a synthetic volume renders in 2D and MPR."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QImage

from workstation.archive import Archive
from workstation.viewer.phantoms import phantom_stack, phantom_volume
from workstation.volume.mpr import VIEW_NAMES
from workstation._qt.app import application, build_main_window
from workstation._qt.reading.mpr_view import MprView


def _distinct_grey_levels(image: np.ndarray) -> int:
    return len(np.unique(image[..., :3].reshape(-1, 3), axis=0))


def _qimage_pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 3].reshape(image.height(), image.width(), 3).copy()


def check_window_and_rendering() -> str:
    """Raise AssertionError naming what did not render; return a one-line summary otherwise."""
    app = application()
    with Archive.open_default() as archive:
        window = build_main_window(archive)
        window.resize(1280, 800)
        window.show()
        reading = window.reading_screen
        reading.open_stacks([phantom_stack(uid="selftest")])
        window.pages.setCurrentWidget(reading)
        QCoreApplication.processEvents()
        stack_pixels = _qimage_pixels(reading.viewport_widgets[0].grab().toImage())
        window.close()
    if _distinct_grey_levels(stack_pixels) < 8:
        raise AssertionError("the 2D stack viewport drew a blank image")

    mpr = MprView(phantom_volume())
    mpr.resize(900, 320)
    mpr.show()
    QCoreApplication.processEvents()
    blank_views = [name for name in VIEW_NAMES if _distinct_grey_levels(mpr.grab_view(name)) < 4]
    mpr.close()
    app.processEvents()
    if blank_views:
        raise AssertionError(f"MPR views drew nothing: {', '.join(blank_views)}")
    return f"main window, 2D stack and MPR ({', '.join(VIEW_NAMES)}) rendered"
