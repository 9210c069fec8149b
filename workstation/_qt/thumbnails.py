"""Series thumbnails: the middle image of a series through the display pipeline, as a QImage.

Made in worker threads (QImage, unlike QPixmap, may be built off the GUI thread). The size keeps the
image's physical aspect ratio when pixels are not square.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage

from workstation.dicom.display import render_display_image
from workstation.dicom.pixels import number_of_frames
from workstation.dicom.reading import read_dataset


def series_thumbnail(path: Path, size: int) -> QImage:
    """The image at ``path`` (its middle frame if multi-frame) fitted into a ``size`` x ``size`` square."""
    dataset = read_dataset(path)
    frame = number_of_frames(dataset) // 2
    pixels = np.ascontiguousarray(render_display_image(dataset, frame))
    rows, columns = pixels.shape[:2]
    if pixels.ndim == 3:
        image = QImage(pixels.data, columns, rows, 3 * columns, QImage.Format.Format_RGB888).copy()
    else:
        image = QImage(pixels.data, columns, rows, columns, QImage.Format.Format_Grayscale8).copy()
    row_spacing, column_spacing = _pixel_spacing(dataset)
    physical = QSize(max(1, round(columns * column_spacing * 100)), max(1, round(rows * row_spacing * 100)))
    target = physical.scaled(QSize(size, size), Qt.AspectRatioMode.KeepAspectRatio)
    return image.scaled(target, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)


def _pixel_spacing(dataset) -> tuple[float, float]:
    for keyword in ("PixelSpacing", "ImagerPixelSpacing"):
        values = dataset.get(keyword)
        if values is not None and len(values) == 2:
            try:
                row_spacing, column_spacing = float(values[0]), float(values[1])
            except (TypeError, ValueError):
                continue
            if row_spacing > 0 and column_spacing > 0:
                return row_spacing, column_spacing
    return 1.0, 1.0
