import pytest

from workstation.tools.measuring import MeasuringTool
from workstation.tools.pointer import PointerEvent, ToolContext
from workstation.tools.toolbox import Toolbox
from workstation.tools.pointer import Button
from workstation.viewer.measurements import angle_degrees, length_mm
from workstation.viewer.phantoms import phantom_stack
from workstation.viewer.reading_session import ReadingSession


def _context():
    session = ReadingSession()
    session.set_display_sets([phantom_stack(slices=3, size=64, spacing=(0.5, 0.5, 1))])
    session.active_viewport.go_to(2)
    return ToolContext(session=session, viewport=session.active_viewport, view_scale=4.0)


def _event(image_point):
    return PointerEvent((image_point[0] * 8, image_point[1] * 8), image_point)


def test_length_drag_adds_one_measurement_on_the_current_image():
    context = _context()
    tool = MeasuringTool("length")
    tool.press(context, _event((10, 10)))
    tool.move(context, _event((20, 10)))
    assert tool.preview is not None and len(context.session.measurements) == 0
    tool.release(context, _event((30, 10)))
    [measurement] = context.session.measurements.on_image("phantom", 2)
    assert length_mm(context.viewport.current_plane(), *measurement.points) == pytest.approx(10.0)
    assert tool.preview is None


def test_a_click_without_drag_adds_nothing():
    context = _context()
    tool = MeasuringTool("ellipse")
    tool.press(context, _event((10, 10)))
    tool.release(context, _event((10.1, 10)))
    assert len(context.session.measurements) == 0


def test_angle_is_a_drag_then_a_click():
    context = _context()
    tool = MeasuringTool("angle")
    tool.press(context, _event((20, 10)))
    tool.release(context, _event((10, 10)))  # first arm: end (20,10) -> vertex (10,10)
    assert len(context.session.measurements) == 0
    tool.hover(context, _event((10, 30)))
    assert tool.preview.points[-1] == (10, 30)
    tool.press(context, _event((10, 20)))
    tool.release(context, _event((10, 20)))
    [angle] = context.session.measurements.on_image("phantom", 2)
    assert angle_degrees(context.viewport.current_plane(), *angle.points) == pytest.approx(90.0)


def test_buttons_have_fixed_roles_besides_the_active_tool():
    toolbox = Toolbox()
    assert toolbox.for_button(Button.LEFT, "length") is toolbox.tools["length"]
    assert toolbox.for_button(Button.MIDDLE, "length") is toolbox.tools["pan"]
    assert toolbox.for_button(Button.RIGHT, "length") is toolbox.tools["zoom"]


def test_dragging_a_point_of_a_measurement_edits_it_and_undo_restores_it():
    from workstation.viewer.view_transform import ViewTransform

    context = _context()
    context.transform = ViewTransform.build((512, 512), (64, 64), (0.5, 0.5))  # 8 view pixels per image pixel
    tool = MeasuringTool("length")
    to_view = lambda p: tuple(context.transform.to_view(p)[0])  # noqa: E731
    for point in ((10, 10), (30, 10)):
        event = PointerEvent(to_view(point), point)
        (tool.press if point == (10, 10) else tool.release)(context, event)
    [original] = context.session.measurements.on_image("phantom", 2)
    # press 3 screen pixels from the end point: grabs it (any measuring tool can)
    grab = (to_view((30, 10))[0] + 3, to_view((30, 10))[1])
    other_tool = MeasuringTool("ellipse")
    other_tool.press(context, PointerEvent(grab, (30.4, 10)))
    other_tool.move(context, PointerEvent(to_view((30, 20)), (30, 20)))
    other_tool.release(context, PointerEvent(to_view((30, 20)), (30, 20)))
    [edited] = context.session.measurements.on_image("phantom", 2)
    assert edited.measurement_id == original.measurement_id and edited.kind == "length"
    assert edited.points == ((10, 10), (30, 20))
    assert context.session.measurements.undo()
    assert context.session.measurements.on_image("phantom", 2) == [original]
