import pytest

from workstation.tools.navigation import PanTool, ScrollTool, WindowLevelTool, ZoomTool
from workstation.tools.pointer import PointerEvent, ToolContext
from workstation.viewer.phantoms import phantom_stack
from workstation.viewer.reading_session import ReadingSession


def _context():
    session = ReadingSession()
    session.set_display_sets([phantom_stack(slices=50, size=16)])
    return ToolContext(session=session, viewport=session.active_viewport, view_scale=2.0)


def _drag(tool, context, start, end, steps=4):
    tool.press(context, PointerEvent(start, (0, 0)))
    for n in range(1, steps + 1):
        point = (start[0] + (end[0] - start[0]) * n / steps, start[1] + (end[1] - start[1]) * n / steps)
        tool.move(context, PointerEvent(point, (0, 0)))
    tool.release(context, PointerEvent(end, (0, 0)))


def test_window_level_drag_right_widens_down_raises_centre():
    context = _context()
    _drag(WindowLevelTool(), context, (100, 100), (164, 100))
    assert context.viewport.window.center == pytest.approx(40)
    assert context.viewport.window.width == pytest.approx(400 + 64 * 400 / 256)
    _drag(WindowLevelTool(), context, (100, 100), (100, 90))
    assert context.viewport.window.center < 40


def test_pan_moves_by_screen_pixels_over_scale():
    context = _context()
    _drag(PanTool(), context, (10, 10), (30, 50))
    assert context.viewport.pan_mm == pytest.approx((10.0, 20.0))


def test_zoom_drag_up_150_pixels_doubles():
    context = _context()
    _drag(ZoomTool(), context, (0, 300), (0, 150))
    assert context.viewport.zoom == pytest.approx(2.0)


def test_scroll_drag_moves_one_image_per_four_pixels_and_syncs():
    context = _context()
    other = context.session.viewports[1]
    other.show(phantom_stack(uid="other", slices=50, size=16))
    context.session.sync.set_link_scroll(True)
    _drag(ScrollTool(), context, (0, 0), (0, 40))
    assert context.viewport.slice_index == 10 and other.slice_index == 10
