"""Overlay planes as masks aligned with the frame: origin, clipping, multi-frame overlays, the real Siemens MR."""

from __future__ import annotations

import numpy as np
import pytest
from pydicom.pixels import pack_bits

from workstation.dicom.overlays import overlay_groups, overlay_masks
from workstation.dicom.reading import read_dataset


def _add_overlay(dataset, group, bits, origin=(1, 1), first_frame=None):
    """Overlay plane(s) ``bits`` (rows, columns) or (frames, rows, columns) in ``group``."""
    bits = np.asarray(bits, dtype=np.uint8)
    dataset.add_new((group, 0x0010), "US", bits.shape[-2])
    dataset.add_new((group, 0x0011), "US", bits.shape[-1])
    dataset.add_new((group, 0x0040), "CS", "G")
    dataset.add_new((group, 0x0050), "SS", list(origin))
    dataset.add_new((group, 0x0100), "US", 1)
    dataset.add_new((group, 0x0102), "US", 0)
    if bits.ndim == 3:
        dataset.add_new((group, 0x0015), "IS", bits.shape[0])
    if first_frame is not None:
        dataset.add_new((group, 0x0051), "US", first_frame)
    dataset.add_new((group, 0x3000), "OW", pack_bits(bits.ravel()))


def test_overlay_is_placed_at_its_origin_and_clipped(grey_dataset):
    dataset = grey_dataset(np.zeros((6, 8), np.uint16))
    _add_overlay(dataset, 0x6000, np.ones((4, 4)), origin=(4, 7))  # 1-based row 4, column 7
    (mask,) = overlay_masks(dataset)
    assert mask.shape == (6, 8) and mask.dtype == bool
    expected = np.zeros((6, 8), bool)
    expected[3:6, 6:8] = True  # three rows and two columns fall inside the image
    assert np.array_equal(mask, expected)


def test_overlay_groups_keep_their_order(grey_dataset):
    dataset = grey_dataset(np.zeros((2, 2), np.uint16))
    _add_overlay(dataset, 0x6002, [[1, 0], [0, 0]])
    _add_overlay(dataset, 0x6000, [[0, 0], [0, 1]])
    assert overlay_groups(dataset) == [0x6000, 0x6002]
    first, second = overlay_masks(dataset)
    assert first.tolist() == [[False, False], [False, True]]
    assert second.tolist() == [[True, False], [False, False]]


def test_multiframe_overlay_follows_its_image_frame_origin(grey_dataset):
    """Two overlay frames starting at image frame 2 of 3: frame 1 has none, frames 2 and 3 have theirs."""
    dataset = grey_dataset(np.zeros((3, 2, 2), np.uint16))
    _add_overlay(dataset, 0x6000, [[[1, 0], [0, 0]], [[0, 0], [0, 1]]], first_frame=2)
    assert not overlay_masks(dataset, 0)[0].any()
    assert overlay_masks(dataset, 1)[0].tolist() == [[True, False], [False, False]]
    assert overlay_masks(dataset, 2)[0].tolist() == [[False, False], [False, True]]


def test_image_without_overlays_has_none(grey_dataset):
    assert overlay_masks(grey_dataset(np.zeros((2, 2), np.uint16))) == []


@pytest.mark.shared_data
def test_siemens_mr_lesion_overlay(shared_dicom):
    """The Siemens MR marks a lesion outline in group 6000, full size at origin 1\\1."""
    dataset = read_dataset(shared_dicom / "mixed/pydicom-data/MR-SIEMENS-DICOM-WithOverlays.dcm")
    (mask,) = overlay_masks(dataset)
    assert mask.shape == (484, 484)
    assert np.array_equal(mask, dataset.overlay_array(0x6000).astype(bool))
    rows, columns = np.nonzero(mask)
    assert 100 < mask.sum() < 5000  # an outline, not a filled or empty plane
    assert rows.max() - rows.min() > 5 and columns.max() - columns.min() > 5
