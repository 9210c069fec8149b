import pytest

from workstation.dicom.voi import WindowLevel
from workstation.viewer.cine import Cine
from workstation.viewer.layout import parse_layout
from workstation.core.errors import WorkstationError
from workstation.viewer.phantoms import phantom_stack
from workstation.viewer.viewport import Viewport, window_from_values


def test_scrolling_is_clamped_to_the_stack():
    viewport = Viewport()
    viewport.show(phantom_stack(slices=5, size=16))
    assert viewport.scroll(3) and viewport.slice_index == 3
    assert viewport.scroll(10) and viewport.slice_index == 4
    assert not viewport.scroll(1)
    assert viewport.go_to(-7) and viewport.slice_index == 0


def test_default_window_is_the_header_then_computed_and_reset_restores_it():
    viewport = Viewport()
    stack = phantom_stack(slices=2, size=16)
    viewport.show(stack)
    assert viewport.effective_window() == WindowLevel(40.0, 400.0, "Header")
    viewport.adjust_window(10, -1000)
    assert viewport.effective_window().width == 1.0  # never below 1
    viewport.zoom_by(3); viewport.rotate(1); viewport.toggle_invert(); viewport.pan_by(5, 5)
    viewport.reset()
    assert (viewport.zoom, viewport.pan_mm, viewport.rotation_quarters, viewport.invert) == (1.0, (0, 0), 0, False)
    assert viewport.effective_window().name == "Header"
    stack.header_windows.clear()
    viewport.reset()
    auto = viewport.effective_window()
    assert auto.name == "Auto" and auto.center - auto.width / 2 <= -999 and auto.center + auto.width / 2 >= 700


def test_window_from_values_covers_the_bulk_of_the_values():
    import numpy as np

    values = np.linspace(0, 1000, 10000).reshape(100, 100)
    window = window_from_values(values)
    assert window.center == pytest.approx(500, abs=5) and window.width == pytest.approx(980, abs=10)


def test_zoom_is_bounded():
    viewport = Viewport()
    viewport.set_zoom(1e6)
    assert viewport.zoom == 40.0


def test_cine_steps_through_rates_and_loops():
    cine = Cine(fps=10)
    cine.faster()
    assert cine.fps == 12 and cine.interval_ms == 83
    cine.slower(); cine.slower()
    assert cine.fps == 8
    assert Cine.next_index(4, 5) == 0 and Cine.next_index(1, 5) == 2


def test_layouts_uniform_and_uneven():
    assert len(parse_layout("1x1")) == 1 and len(parse_layout("4x4")) == 16
    one_plus_two = parse_layout("1+2")
    assert len(one_plus_two) == 3 and one_plus_two.cells[0].row_span == 2
    assert parse_layout("2x3").columns == 3
    with pytest.raises(WorkstationError, match="Unknown layout '5x5'"):
        parse_layout("5x5")


def test_zoom_about_a_point_keeps_that_image_point_under_the_pointer():
    import numpy as np

    viewport = Viewport()
    viewport.show(phantom_stack(slices=1, size=100, spacing=(0.5, 0.5, 1)))
    before = viewport.view_transform(400, 300)
    pointer = np.array([300.0, 80.0])
    under = before.to_image(pointer)[0]
    viewport.zoom_about(2.0, tuple(pointer - [200, 150]), before.scale)
    after = viewport.view_transform(400, 300)
    assert after.scale == pytest.approx(2 * before.scale)
    assert np.allclose(after.to_view(under)[0], pointer)
