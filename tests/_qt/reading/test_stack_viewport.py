"""The 2D stack viewport on a synthetic CT phantom (known HU values and marker positions), checked by pixels."""

import math

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from workstation._qt.reading.stack_viewport import StackViewport
from workstation.core.commands import CommandRegistry
from workstation.tools.toolbox import Toolbox
from workstation.viewer.phantoms import MARKER_HU, phantom_stack
from workstation.viewer.reading_commands import register_reading_commands
from workstation.viewer.reading_session import ReadingSession

pytestmark = pytest.mark.gui
SIZE = 64


@pytest.fixture
def shown(qtbot):
    session = ReadingSession()
    registry = CommandRegistry()
    register_reading_commands(registry, session)
    # marker at column 12, row 20: upper left quadrant, patient right-anterior on an axial image
    session.set_display_sets([phantom_stack(size=SIZE, slices=10, spacing=(1.0, 1.0, 2.0), markers=((12, 20),))])
    session.active_viewport.overlays_visible = False
    widget = StackViewport(session, 0, Toolbox())
    qtbot.addWidget(widget)
    widget.resize(256, 256)
    widget.show()
    qtbot.waitExposed(widget)
    return session, registry, widget


def _centre(pixels):
    return int(pixels[128 - 8:128 + 8, 128 - 8:128 + 8].mean().round())


def _expected_grey(value, centre, width):
    return int(np.clip(round(((value - (centre - 0.5)) / (width - 1) + 0.5) * 255), 0, 255))


def test_window_presets_and_invert_change_the_screen_as_the_lut_says(shown, grab_grey):
    session, registry, widget = shown
    pixels = grab_grey(widget)
    tissue = 40  # slice 0 of the phantom disc
    assert abs(_centre(pixels) - _expected_grey(tissue, 40, 400)) <= 1  # the header window
    assert pixels[5, 128] == 0  # air above the body is black
    registry.execute("viewport.window_preset_2")  # lung 1500/-600
    widget.repaint()
    assert abs(_centre(grab_grey(widget)) - _expected_grey(tissue, -600, 1500)) <= 1
    registry.execute("viewport.invert")
    widget.repaint()
    inverted = grab_grey(widget)
    assert abs(_centre(inverted) - (255 - _expected_grey(tissue, -600, 1500))) <= 1
    assert inverted[5, 128] == 255 - _expected_grey(-1000, -600, 1500)  # air


def test_scrolling_shows_the_next_slice(shown, grab_grey):
    session, registry, widget = shown
    session.active_viewport.set_window(40.5, 9)  # one HU is 32 grey levels
    widget.repaint()
    first = _centre(grab_grey(widget))
    registry.execute("viewport.next_image")  # the phantom's disc is 1 HU brighter per slice
    widget.repaint()
    assert session.active_viewport.slice_index == 1
    assert _centre(grab_grey(widget)) > first + 20


def _brightest(pixels):
    row, column = np.unravel_index(np.argmax(pixels), pixels.shape)
    return row, column


def test_marker_follows_rotation_and_flip(shown, grab_grey):
    session, registry, widget = shown
    session.active_viewport.set_window(1500, 1)  # only the marker (2000 HU) is white
    widget.repaint()
    row, column = _brightest(grab_grey(widget))
    assert column < 128 and row < 128  # upper left, where the image puts it
    assert abs(column - (12.5 * 4)) <= 3 and abs(row - 20.5 * 4) <= 3
    registry.execute("viewport.rotate_clockwise")
    widget.repaint()
    row, column = _brightest(grab_grey(widget))
    assert column > 128 and row < 128  # upper left turns to upper right
    registry.execute("viewport.rotate_counterclockwise")
    registry.execute("viewport.flip_horizontal")
    widget.repaint()
    row, column = _brightest(grab_grey(widget))
    assert column > 128 and row < 128


def test_overlays_draw_text_and_letters_and_toggle_off(shown, grab_grey):
    session, registry, widget = shown
    session.active_viewport.overlays_visible = True  # the header window 40/400 shows air black
    widget.repaint()
    with_text = grab_grey(widget)
    registry.execute("viewport.toggle_overlays")
    widget.repaint()
    without = grab_grey(widget)
    left_letter = (slice(118, 138), slice(0, 20))  # the "R" at the middle of the left edge
    bottom_left_text = (slice(225, 254), slice(2, 45))  # outside the phantom disc
    assert with_text[left_letter].max() > 200 and without[left_letter].max() <= 60  # the thin grey frame only
    assert (with_text[bottom_left_text] > 200).sum() > 30 and (without[bottom_left_text] > 200).sum() == 0


def test_length_drawn_with_the_mouse_between_markers_is_exact_to_a_tenth_of_a_millimetre(qtbot):
    """Markers 28.0 mm apart (40 columns of 0.7 mm); at zoom 1.5 a screen pixel is 0.06 mm, so rounding the
    pointer to whole screen pixels at both ends stays within 0.1 mm."""
    session = ReadingSession()
    stack = phantom_stack(size=SIZE, slices=1, spacing=(0.7, 0.7, 1.0), markers=((12, 32), (52, 32)))
    session.set_display_sets([stack])
    session.set_tool("length")
    viewport = session.active_viewport
    widget = StackViewport(session, 0, Toolbox())
    qtbot.addWidget(widget)
    widget.resize(512, 512)
    widget.show()
    qtbot.waitExposed(widget)
    viewport.set_zoom(1.5)
    rows, columns = np.nonzero(stack.pixels(0) == MARKER_HU)
    transform = widget.transform()
    ends = transform.to_view(np.column_stack([columns + 0.5, rows + 0.5]))
    # pan so the markers' midpoint is at the centre (exercises pan in the mapping too)
    midpoint_mm = (ends.mean(axis=0) - [256, 256]) / transform.scale
    viewport.pan_by(-midpoint_mm[0], -midpoint_mm[1])
    ends = widget.transform().to_view(np.column_stack([columns + 0.5, rows + 0.5]))
    start, end = (QPoint(round(x), round(y)) for x, y in ends)
    assert 0 <= start.x() < 512 and 0 <= end.x() < 512
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(widget, QPoint((start.x() + end.x()) // 2, start.y()))
    qtbot.mouseMove(widget, end)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=end)
    [measurement] = session.measurements.on_image(stack.uid, 0)
    from workstation.viewer.measurements import length_mm

    assert abs(length_mm(stack.planes[0], *measurement.points) - 28.0) < 0.1
    assert measurement.label(stack.planes[0]) == "28.0 mm"


def test_roi_drawn_with_the_mouse_reports_the_hu_of_the_disc(qtbot):
    session = ReadingSession()
    stack = phantom_stack(size=SIZE, slices=1, spacing=(1.0, 1.0, 1.0))
    session.set_display_sets([stack])
    session.set_tool("ellipse_roi")
    widget = StackViewport(session, 0, Toolbox())
    qtbot.addWidget(widget)
    widget.resize(256, 256)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=QPoint(108, 108))
    qtbot.mouseMove(widget, QPoint(148, 148))
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=QPoint(148, 148))
    [roi] = session.measurements.on_image(stack.uid, 0)
    label = roi.label(stack.planes[0], stack.pixels(0), stack.value_unit)
    assert label.startswith("Mean 40.0 HU  SD 0.0")
    area = float(label.split("Area ")[1].split()[0])
    assert area == pytest.approx(math.pi * 5 * 5, rel=0.01)  # 40 screen px = 10 mm across


def test_left_drag_changes_the_window_and_the_screen(shown, qtbot, grab_grey):
    session, registry, widget = shown
    before = session.active_viewport.effective_window()
    centre_before = _centre(grab_grey(widget))
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    qtbot.mouseMove(widget, QPoint(100, 160))  # down: higher centre, darker image
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=QPoint(100, 160))
    after = session.active_viewport.window
    assert after.center > before.center + 50 and after.width == before.width
    widget.repaint()
    assert _centre(grab_grey(widget)) < centre_before - 20


def test_reference_line_of_the_active_axial_on_the_coronal_and_shift_click_locates(qtbot, grab_grey):
    from workstation.viewer.reading_session import ReadingSession as Session

    axial = phantom_stack(uid="axial", orientation="axial", slices=40, size=64, spacing=(1, 1, 2), origin=(0, 0, 0))
    coronal = phantom_stack(uid="coronal", orientation="coronal", slices=64, size=80, spacing=(1, 1, 1),
                            origin=(0, 0, 79))
    session = Session(layout="1x2")
    session.set_display_sets([axial, coronal])
    for viewport in session.viewports[:2]:
        viewport.overlays_visible = False
        viewport.set_window(5000, 10)  # everything black: only the line shows
    session.viewports[0].go_to(10)  # z = 20 mm: coronal row 59
    toolbox = Toolbox()
    coronal_widget = StackViewport(session, 1, toolbox)
    qtbot.addWidget(coronal_widget)
    coronal_widget.resize(320, 320)  # 80 px image -> 4 screen px per pixel
    coronal_widget.show()
    qtbot.waitExposed(coronal_widget)
    pixels = grab_grey(coronal_widget)
    bright_rows = 2 + np.nonzero((pixels[2:-2, 20:300] > 40).sum(axis=1) > 100)[0]  # dashed, antialiased; no frame
    assert len(bright_rows) and abs(bright_rows.mean() - 59.5 * 4) <= 2
    # shift+click on the coronal at row 49 (z = 30 mm): the axial goes to slice 15
    qtbot.mouseClick(coronal_widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     QPoint(160, round(49.5 * 4)))
    assert session.viewports[0].slice_index == 15
    assert session.active_index == 1


def test_reference_lines_show_only_within_the_active_viewports_reference_line_group(qtbot, grab_grey):
    axial = phantom_stack(uid="axial", orientation="axial", slices=40, size=64, spacing=(1, 1, 2), origin=(0, 0, 0))
    coronals = [phantom_stack(uid=f"coronal{n}", orientation="coronal", slices=64, size=80, spacing=(1, 1, 1),
                              origin=(0, 0, 79)) for n in range(2)]
    session = ReadingSession(layout="1x3")
    session.set_display_sets([axial, *coronals])
    for viewport in session.viewports[:3]:
        viewport.overlays_visible = False
        viewport.set_window(5000, 10)  # everything black: only the line shows
    session.sync.set_groups("reference_lines", [[session.viewports[0], session.viewports[1]]])
    widgets = []
    for index in (1, 2):
        widget = StackViewport(session, index, Toolbox())
        qtbot.addWidget(widget)
        widget.resize(320, 320)
        widget.show()
        qtbot.waitExposed(widget)
        widgets.append(widget)
    in_group, outside = (int((grab_grey(w)[2:-2, 20:300] > 40).sum()) for w in widgets)
    assert in_group > 100 and outside == 0
    session.sync.set_groups("reference_lines", None)  # no groups: every viewport shows the line
    widgets[1].repaint()
    assert int((grab_grey(widgets[1])[2:-2, 20:300] > 40).sum()) > 100


def _wheel(widget, notches, modifiers=Qt.KeyboardModifier.NoModifier, position=(128, 128)):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent

    point = QPointF(*position)
    event = QWheelEvent(point, widget.mapToGlobal(point), QPoint(0, 0), QPoint(0, 120 * notches),
                        Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase, False)
    widget.event(event)


def test_wheel_scrolls_and_ctrl_wheel_zooms_about_the_pointer(shown):
    session, registry, widget = shown
    _wheel(widget, -3)  # wheel towards the user: forward through the stack
    assert session.active_viewport.slice_index == 3
    _wheel(widget, 1)
    assert session.active_viewport.slice_index == 2
    under = widget.transform().to_image((60, 90))[0]
    _wheel(widget, 2, Qt.KeyboardModifier.ControlModifier, position=(60, 90))
    assert session.active_viewport.zoom == pytest.approx(1.25 ** 2)
    assert np.allclose(widget.transform().to_view(under)[0], (60, 90))
