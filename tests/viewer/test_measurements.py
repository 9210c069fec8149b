import math

import numpy as np
import pytest

from workstation.viewer.image_plane import ImagePlane, SpacingSource
from workstation.viewer.measurements import (
    Measurement, MeasurementList, angle_degrees, length_mm, roi_mask, roi_statistics,
)
from workstation.viewer.phantoms import MARKER_HU, phantom_stack


def test_length_between_phantom_markers_is_exact_to_a_tenth_of_a_millimetre():
    stack = phantom_stack(size=256, slices=1, spacing=(0.7, 0.4, 1.0), markers=((30, 40), (230, 190)))
    plane, values = stack.planes[0], stack.pixels(0)
    markers = np.argwhere(values == MARKER_HU)  # rows, columns of the marker pixels
    (r0, c0), (r1, c1) = markers
    measured = length_mm(plane, (c0 + 0.5, r0 + 0.5), (c1 + 0.5, r1 + 0.5))
    true_distance = math.hypot(200 * 0.7, 150 * 0.4)  # 152.32 mm by construction
    assert abs(measured - true_distance) < 0.1
    label = Measurement("length", stack.uid, 0, ((c0 + .5, r0 + .5), (c1 + .5, r1 + .5))).label(plane)
    assert label == f"{true_distance:.1f} mm"


def test_length_label_says_at_detector_or_px():
    detector = ImagePlane(row_spacing=0.2, column_spacing=0.2, spacing_source=SpacingSource.DETECTOR)
    assert Measurement("length", "s", 0, ((0, 0), (0, 100))).label(detector) == "20.0 mm (at detector)"
    assert Measurement("length", "s", 0, ((0, 0), (3, 4))).label(ImagePlane()) == "5.0 px"


def test_angle_in_physical_space():
    square = ImagePlane(row_spacing=1, column_spacing=1)
    assert angle_degrees(square, (10, 0), (0, 0), (0, 10)) == pytest.approx(90.0)
    assert angle_degrees(square, (10, 0), (0, 0), (10, 10)) == pytest.approx(45.0)
    stretched = ImagePlane(row_spacing=2, column_spacing=1)  # rows twice as far apart
    assert angle_degrees(stretched, (10, 0), (0, 0), (10, 5)) == pytest.approx(45.0)


def test_roi_statistics_match_numpy_on_the_pixels_inside():
    rng = np.random.default_rng(7)
    values = rng.normal(40, 12, size=(64, 80)).round().astype(np.int16)
    plane = ImagePlane(row_spacing=0.5, column_spacing=0.8, spacing_source=SpacingSource.PATIENT)
    for kind in ("ellipse", "rectangle"):
        corner, opposite = (10.0, 12.0), (50.0, 40.0)
        stats = roi_statistics(values, plane, kind, corner, opposite)
        ys, xs = np.mgrid[0:64, 0:80] + 0.5
        if kind == "rectangle":
            inside = (xs >= 10) & (xs <= 50) & (ys >= 12) & (ys <= 40)
            area = 40 * 0.8 * 28 * 0.5
        else:
            inside = ((xs - 30) / 20) ** 2 + ((ys - 26) / 14) ** 2 <= 1
            area = math.pi * 20 * 0.8 * 14 * 0.5
        selected = values[inside].astype(float)
        assert stats.pixel_count == inside.sum()
        assert stats.mean == pytest.approx(selected.mean())
        assert stats.standard_deviation == pytest.approx(selected.std())
        assert (stats.minimum, stats.maximum) == (selected.min(), selected.max())
        assert stats.area == pytest.approx(area)


def test_roi_label_shows_hu_for_ct():
    stack = phantom_stack(size=64, slices=1)
    measurement = Measurement("ellipse", stack.uid, 0, ((28, 28), (36, 36)))
    label = measurement.label(stack.planes[0], stack.pixels(0), stack.value_unit)
    assert label.startswith("Mean 40.0 HU  SD 0.0") and "mm²" in label


def test_empty_roi_gives_nan_not_a_crash():
    assert roi_mask((4, 4), "ellipse", (1, 1), (1, 3)).sum() == 0
    assert math.isnan(roi_statistics(np.zeros((4, 4)), ImagePlane(), "ellipse", (1, 1), (1, 3)).mean)


def test_undo_reverts_add_delete_and_edit():
    measurements = MeasurementList()
    first = measurements.add(Measurement("length", "s", 3, ((0, 0), (1, 1))))
    measurements.delete(first)
    assert len(measurements) == 0
    assert measurements.undo() and measurements.on_image("s", 3) == [first]
    moved = first.with_points(((0, 0), (5, 5)))
    measurements.replace(first, moved)
    assert measurements.on_image("s", 3) == [moved]
    assert measurements.undo() and measurements.on_image("s", 3) == [first]
    assert measurements.undo() and len(measurements) == 0
    assert not measurements.undo()
    assert measurements.on_image("s", 4) == []
