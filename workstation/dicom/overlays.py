"""Overlay planes (60xx groups, PS3.3 C.9.2 and C.9.3) as boolean masks aligned with the image frame.

Overlays mark lesions, measurements or annotations burnt in by the modality; the viewer draws them
over the image and lets the reader hide them.
"""

from __future__ import annotations

import logging

import numpy as np
from pydicom.dataset import Dataset

from workstation.dicom.pixels import dataset_source, decoding_failure

log = logging.getLogger(__name__)

_FIRST_GROUP, _LAST_GROUP = 0x6000, 0x601E


def overlay_groups(dataset: Dataset) -> list[int]:
    """Groups 6000-601E (even) that carry Overlay Data, in order."""
    return [group for group in range(_FIRST_GROUP, _LAST_GROUP + 1, 2) if (group, 0x3000) in dataset]


def overlay_masks(dataset: Dataset, frame_index: int = 0) -> list[np.ndarray]:
    """One (rows, columns) bool mask per overlay group, in group order; all False where the overlay
    does not cover this frame, so positions in the list stay the same for every frame."""
    groups = overlay_groups(dataset)
    if groups and not ("Rows" in dataset and "Columns" in dataset):
        raise decoding_failure(dataset, "has overlay planes but no image size (Rows, Columns)")
    masks = []
    for group in groups:
        mask = np.zeros((int(dataset.Rows), int(dataset.Columns)), dtype=bool)
        plane = _overlay_plane(dataset, group, frame_index)
        if plane is not None:
            origin_row, origin_column = (int(v) - 1 for v in _element(dataset, group, 0x0050, [1, 1]))
            _paste(mask, plane, origin_row, origin_column)
        masks.append(mask)
    return masks


def _overlay_plane(dataset: Dataset, group: int, frame_index: int) -> np.ndarray | None:
    """The overlay's bits for one image frame, or None when its frames do not include this one."""
    frames = int(_element(dataset, group, 0x0015, 1) or 1)
    first_frame = int(_element(dataset, group, 0x0051, 1) or 1)
    overlay_frame = frame_index + 1 - first_frame
    if not 0 <= overlay_frame < frames:
        return None
    try:
        planes = dataset.overlay_array(group)
    except (AttributeError, KeyError, ValueError, TypeError) as error:
        log.warning("Overlay %04X of %s unreadable: %s", group, dataset_source(dataset), error)
        raise decoding_failure(dataset, f"overlay plane {group:04X} is malformed ({error})") from error
    planes = planes.reshape((-1,) + planes.shape[-2:])
    return planes[overlay_frame].astype(bool) if overlay_frame < len(planes) else None


def _paste(mask: np.ndarray, plane: np.ndarray, top: int, left: int) -> None:
    """Place ``plane`` at (top, left) in ``mask``, clipping what falls outside the image."""
    rows, columns = mask.shape
    row_start, column_start = max(top, 0), max(left, 0)
    row_end, column_end = min(top + plane.shape[0], rows), min(left + plane.shape[1], columns)
    if row_start < row_end and column_start < column_end:
        mask[row_start:row_end, column_start:column_end] = plane[
            row_start - top : row_end - top, column_start - left : column_end - left
        ]


def _element(dataset: Dataset, group: int, element: int, default: object) -> object:
    found = dataset.get((group, element))
    return default if found is None or found.value in (None, "") else found.value
