"""Overlay content: the four corners' text and the scale bar's length."""

import pytest

from workstation._qt.reading.overlays import corner_texts, scale_bar_length_mm
from workstation.viewer.phantoms import phantom_stack
from workstation.viewer.viewport import Viewport

pytestmark = pytest.mark.gui


def test_corners_hold_patient_study_image_position_and_display_state():
    viewport = Viewport()
    stack = phantom_stack(slices=10, size=16, spacing=(1, 1, 2.5), origin=(0, 0, -10))
    stack.is_prior = True
    viewport.show(stack)
    viewport.go_to(4)
    viewport.set_window(-600, 1500)
    viewport.toggle_invert()
    texts = corner_texts(viewport, viewport.view_transform(256, 256))
    assert texts["top_left"][:2] == ["PHANTOM^TEST", "PH-1"]
    assert texts["top_right"] == ["Phantom", "2026-01-01  PRIOR"]
    assert texts["bottom_left"] == ["Se: 1 Synthetic", "Im: 5/10", "Loc: 0.0 mm", "Thk: 2.5 mm"]
    assert texts["bottom_right"] == ["W: 1500 L: -600 (inv)", "Zoom: 100%"]


@pytest.mark.parametrize(("pixels_per_mm", "space", "expected"), [
    (2.0, 300, 100.0), (2.0, 90, 20.0), (0.1, 300, 500.0), (100.0, 50, None),
])
def test_scale_bar_is_the_longest_round_length_that_fits(pixels_per_mm, space, expected):
    assert scale_bar_length_mm(pixels_per_mm, space) == expected
