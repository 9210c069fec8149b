"""The grey display pipeline, stored values -> modality LUT -> VOI -> presentation -> 8 bits, and its colour twin.

Integer images are windowed through a lookup table built over the frame's stored range, so a window
change costs one table lookup per pixel (the 2D reading hot path); float images are mapped directly.
"""

from __future__ import annotations

import numpy as np
from pydicom.dataset import Dataset

from workstation.dicom.color import display_rgb, is_colour
from workstation.dicom.pixels import decode_frame, modality_values
from workstation.dicom.presentation import is_inverted
from workstation.dicom.voi import (
    DISPLAY_MAX,
    WindowLevel,
    apply_voi_lut_sequence,
    apply_window,
    default_window,
    has_voi_lut,
    voi_lut_function,
)

_LARGEST_LOOKUP_TABLE = 1 << 20


def render_display_image(dataset: Dataset, frame_index: int = 0, window: WindowLevel | None = None) -> np.ndarray:
    """One frame ready to show: uint8 (rows, columns) for grey, (rows, columns, 3) for colour.

    Without ``window``, a grey image uses the header's VOI LUT, else its first window, else one
    computed from the values; colour images have no VOI and ignore ``window``. Viewers that keep
    decoded frames call ``display_grey`` directly on each window change.
    """
    stored = decode_frame(dataset, frame_index)
    if is_colour(dataset):
        return display_rgb(dataset, stored)
    return display_grey(dataset, stored, frame_index, window)


def display_grey(
    dataset: Dataset, stored: np.ndarray, frame_index: int = 0, window: WindowLevel | None = None
) -> np.ndarray:
    """Stored values of one grey frame -> uint8 display values."""
    if stored.dtype.kind in "iu" and stored.size:
        low, high = int(stored.min()), int(stored.max())
        if high - low < _LARGEST_LOOKUP_TABLE:
            table = _display_values(dataset, np.arange(low, high + 1), frame_index, window, stored)
            offsets = stored if low == 0 else np.subtract(stored, low, dtype=np.int32)
            return table[offsets]
    return _display_values(dataset, stored, frame_index, window, stored)


def _display_values(
    dataset: Dataset, stored: np.ndarray, frame_index: int, window: WindowLevel | None, frame: np.ndarray
) -> np.ndarray:
    """The pipeline on any array of stored values; ``frame`` is the whole frame, for a default window."""
    values = modality_values(dataset, stored, frame_index)
    if window is None and has_voi_lut(dataset):
        display = apply_voi_lut_sequence(dataset, values)
    else:
        if window is None:
            sample = frame[::2, ::2] if frame.ndim == 2 else frame
            window = default_window(dataset, modality_values(dataset, sample, frame_index), frame_index)
        display = apply_window(values, window, voi_lut_function(dataset, frame_index))
    if is_inverted(dataset):
        display = DISPLAY_MAX - display
    return np.rint(np.nan_to_num(display, nan=0.0)).clip(0, DISPLAY_MAX).astype(np.uint8)
