"""The MPR widget under Xvfb: real mouse/key events through QVTKRenderWindowInteractor, pixels grabbed.

The phantom is synthetic (air with bright cubes at known LPS points on an oblique voxel grid), so where
each cube must appear follows from the radiological conventions alone.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from workstation._qt.reading.mpr_view import MprView
from workstation.volume.mpr import AXIAL, CORONAL, SAGITTAL, Slab, SlabMode
from workstation.volume.volume import Volume

pytestmark = pytest.mark.gui

LEFT_MARKER = np.array([30.0, 10.0, -10.0])  # patient's left: grey 255 with the window below
ANTERIOR_MARKER = np.array([-10.0, -30.0, 10.0])  # grey 170
SUPERIOR_MARKER = np.array([10.0, 20.0, 30.0])  # grey 85
WINDOW_LEVEL = (3000.0, 1500.0)


@pytest.fixture()
def phantom() -> Volume:
    angle = np.radians(-15.0)
    rotation = np.array([[1.0, 0.0, 0.0], [0.0, np.cos(angle), -np.sin(angle)], [0.0, np.sin(angle), np.cos(angle)]])
    size = np.array([80, 80, 80])
    affine = np.eye(4)
    affine[:3, :3] = rotation
    affine[:3, 3] = -(rotation @ ((size - 1) / 2))
    k, j, i = np.meshgrid(*(np.arange(n) for n in size[::-1]), indexing="ij")
    points = affine[:3, :3] @ np.stack([i.ravel(), j.ravel(), k.ravel()]) + affine[:3, 3:4]
    voxels = np.full(points.shape[1], -1000, dtype=np.int16)
    for position, value in ((LEFT_MARKER, 3000), (ANTERIOR_MARKER, 2000), (SUPERIOR_MARKER, 1000)):
        voxels[np.all(np.abs(points - position[:, None]) <= 3.0, axis=0)] = value
    return Volume(voxels.reshape(k.shape), affine)


@pytest.fixture()
def mpr_view(qtbot, phantom) -> MprView:
    view = MprView(phantom, window_level=WINDOW_LEVEL)
    qtbot.addWidget(view)
    view.resize(1200, 450)
    view.show()
    qtbot.waitExposed(view)
    view.render()
    return view


def grey_centroid(rgb: np.ndarray, level: int) -> np.ndarray | None:
    """Mean (row, column) of grey pixels near ``level``, as fractions of the view; None if there are none."""
    r, g, b = (rgb[..., c].astype(int) for c in range(3))
    found = np.argwhere((abs(r - g) < 4) & (abs(g - b) < 4) & (abs(r - level) < 12))
    return None if len(found) < 10 else found.mean(axis=0) / rgb.shape[:2]


def test_letters_and_markers_follow_the_radiological_convention(mpr_view):
    assert mpr_view.scenes[AXIAL].letters == {"left": "R", "right": "L", "top": "A", "bottom": "P"}
    assert mpr_view.scenes[CORONAL].letters == {"left": "R", "right": "L", "top": "S", "bottom": "I"}
    assert mpr_view.scenes[SAGITTAL].letters == {"left": "A", "right": "P", "top": "S", "bottom": "I"}
    mpr_view.locate(LEFT_MARKER)
    assert grey_centroid(mpr_view.grab_view(AXIAL), 255)[1] > 0.55
    assert grey_centroid(mpr_view.grab_view(CORONAL), 255)[1] > 0.55
    mpr_view.locate(ANTERIOR_MARKER)
    assert grey_centroid(mpr_view.grab_view(AXIAL), 170)[0] < 0.45
    assert grey_centroid(mpr_view.grab_view(SAGITTAL), 170)[1] < 0.45
    mpr_view.locate(SUPERIOR_MARKER)
    assert grey_centroid(mpr_view.grab_view(CORONAL), 85)[0] < 0.45
    assert grey_centroid(mpr_view.grab_view(SAGITTAL), 85)[0] < 0.45


def test_click_on_a_marker_moves_the_crosshair_there(qtbot, mpr_view):
    mpr_view.locate(np.array([0.0, LEFT_MARKER[1], 0.0]))  # coronal plane through the marker, centre elsewhere
    widget = mpr_view.widgets[CORONAL]
    row, column = grey_centroid(mpr_view.grab_view(CORONAL), 255) * [widget.height(), widget.width()]
    qtbot.mouseClick(widget, Qt.LeftButton, pos=QPoint(round(column), round(row)))
    np.testing.assert_allclose(mpr_view.crosshair.center, LEFT_MARKER, atol=1.5)
    # The axial and sagittal views now pass through the marker too.
    assert grey_centroid(mpr_view.grab_view(AXIAL), 255) is not None
    assert grey_centroid(mpr_view.grab_view(SAGITTAL), 255) is not None


def test_keys_and_wheel_scroll_the_focused_view(qtbot, mpr_view):
    start = mpr_view.crosshair.center.copy()
    widget = mpr_view.widgets[AXIAL]
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key_Up)
    qtbot.keyClick(widget, Qt.Key_Up)
    np.testing.assert_allclose(mpr_view.crosshair.center - start, [0.0, 0.0, 2.0], atol=1e-9)
    qtbot.keyClick(widget, Qt.Key_PageDown)
    np.testing.assert_allclose(mpr_view.crosshair.center - start, [0.0, 0.0, -8.0], atol=1e-9)
    mpr_view.widgets[SAGITTAL].GetRenderWindow().GetInteractor().InvokeEvent("MouseWheelForwardEvent")
    np.testing.assert_allclose(mpr_view.crosshair.center - start, [-1.0, 0.0, -8.0], atol=1e-9)


def test_right_drag_turns_the_other_planes(mpr_view):
    interactor = mpr_view.widgets[AXIAL].GetRenderWindow().GetInteractor()
    scene = mpr_view.scenes[AXIAL]
    # Display position of the crosshair centre.
    scene.renderer.SetWorldPoint(*scene.plane.to_plane(mpr_view.crosshair.center), 0.0, 1.0)
    scene.renderer.WorldToDisplay()
    cx, cy, _ = scene.renderer.GetDisplayPoint()
    # Drag from right of the centre to below it: a quarter turn clockwise on screen.
    interactor.SetEventInformation(int(cx + 80), int(cy))
    interactor.InvokeEvent("RightButtonPressEvent")
    for step in range(1, 10):
        angle = np.radians(90 * step / 9)
        interactor.SetEventInformation(int(cx + 80 * np.cos(angle)), int(cy - 80 * np.sin(angle)))
        interactor.InvokeEvent("MouseMoveEvent")
    interactor.InvokeEvent("RightButtonReleaseEvent")
    coronal = mpr_view.crosshair.plane(CORONAL)
    np.testing.assert_allclose(coronal.row, [0.0, 1.0, 0.0], atol=0.05)  # L turned to P
    assert mpr_view.scenes[CORONAL].letters["right"] == "P"
    np.testing.assert_allclose(mpr_view.crosshair.plane(AXIAL).row, [1.0, 0.0, 0.0])


def test_slab_controls_make_a_mip_that_reaches_an_off_plane_marker(mpr_view):
    mpr_view.locate(SUPERIOR_MARKER + [0.0, 0.0, 7.0])
    assert grey_centroid(mpr_view.grab_view(AXIAL), 85) is None
    mpr_view.slab_mode.setCurrentText("MIP")
    mpr_view.slab_thickness.setValue(16.0)
    assert mpr_view.slab == Slab(16.0, SlabMode.MIP)
    assert grey_centroid(mpr_view.grab_view(AXIAL), 85) is not None
    assert mpr_view.scenes[AXIAL].caption == "Axial  MIP 16 mm"
    mpr_view.set_slab(Slab(4.0, SlabMode.MINIP))
    assert mpr_view.slab_mode.currentText() == "MinIP" and mpr_view.slab_thickness.value() == 4.0
    mpr_view.reset()
    assert mpr_view.slab == Slab() and mpr_view.slab_mode.currentText() == "Thin"


def test_middle_drag_changes_window_and_level(mpr_view):
    interactor = mpr_view.widgets[AXIAL].GetRenderWindow().GetInteractor()
    interactor.SetEventInformation(100, 100)
    interactor.InvokeEvent("MiddleButtonPressEvent")
    interactor.SetEventInformation(160, 70)
    interactor.InvokeEvent("MouseMoveEvent")
    interactor.InvokeEvent("MiddleButtonReleaseEvent")
    window, level = mpr_view.scenes[SAGITTAL].window_level
    assert window > WINDOW_LEVEL[0] and level > WINDOW_LEVEL[1]


def test_views_draw_themselves_when_shown_and_repainted(qtbot, phantom):
    """Qt paint events (showing, exposing, resizing) draw the views, without any render call from us."""
    view = MprView(phantom, window_level=WINDOW_LEVEL)
    qtbot.addWidget(view)
    renders = {name: [] for name in view.widgets}
    for name, widget in view.widgets.items():
        widget.GetRenderWindow().AddObserver("StartEvent", lambda *_, name=name: renders[name].append(1))
    view.resize(900, 400)
    view.show()
    qtbot.waitUntil(lambda: all(renders.values()), timeout=3000)
    before = len(renders[CORONAL])
    view.widgets[CORONAL].repaint()
    qtbot.waitUntil(lambda: len(renders[CORONAL]) > before, timeout=3000)


def test_ctrl_wheel_zooms_and_shift_drag_pans_one_view(mpr_view):
    scene = mpr_view.scenes[AXIAL]
    interactor = mpr_view.widgets[AXIAL].GetRenderWindow().GetInteractor()
    camera = scene.renderer.GetActiveCamera()
    scale, center = camera.GetParallelScale(), mpr_view.crosshair.center.copy()
    interactor.SetControlKey(1)
    interactor.InvokeEvent("MouseWheelForwardEvent")
    interactor.SetControlKey(0)
    assert camera.GetParallelScale() == pytest.approx(scale / 1.1)
    np.testing.assert_allclose(mpr_view.crosshair.center, center)  # zoom, not scroll
    focal = np.array(camera.GetFocalPoint())
    interactor.SetEventInformation(100, 100, 0, 1)  # shift held
    interactor.InvokeEvent("LeftButtonPressEvent")
    interactor.SetEventInformation(140, 100, 0, 1)
    interactor.InvokeEvent("MouseMoveEvent")
    interactor.InvokeEvent("LeftButtonReleaseEvent")
    moved = focal - np.array(camera.GetFocalPoint())
    assert moved[0] > 1.0 and abs(moved[1]) < 1e-6  # the image followed the mouse to the right
    np.testing.assert_allclose(mpr_view.crosshair.center, center)  # panning does not move the crosshair
    mpr_view.scroll(AXIAL, 3)
    assert camera.GetParallelScale() == pytest.approx(scale / 1.1)  # scrolling keeps the zoom
    mpr_view.reset()
    assert camera.GetParallelScale() == pytest.approx(scale)
