"""Fixtures of the reading-screen GUI tests: grabbing a widget's pixels, so tests check what is on screen."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def grab_grey():
    """A function: widget -> its pixels as uint8 grey levels (rows, columns), one per logical pixel."""
    from PySide6.QtGui import QImage

    def grab(widget) -> np.ndarray:
        image = widget.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
        image = image.scaled(widget.width(), widget.height())
        buffer = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine())
        return buffer[:, : image.width()].copy()

    return grab
