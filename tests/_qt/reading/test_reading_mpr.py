"""MPR and 3D inside the reading screen, from the keyboard, on the real CT and the sagittal MR.

Pixels are checked where it matters: the reformats' HU (spine posterior on the axial and the sagittal),
the slab MIP's brightness on screen, the reference lines drawn on the 2D viewport, the 3D view not black.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from workstation._qt.reading.reading_view import ReadingView
from workstation._qt.reading.screenshot import grab_with_views
from workstation.viewer.phantoms import phantom_stack
from workstation.viewer.reading_session import MPR, STACK, VOLUME_RENDERING
from workstation.viewer.view_plan import ViewportBox, ViewType
from workstation.volume.mpr import AXIAL, CORONAL, SAGITTAL, Slab, SlabMode

pytestmark = pytest.mark.gui
CT_FOLDER = "ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom"
MR_FOLDER = "mr_volume/FNNDSC_SAG-anon_siemens_skyra_mprage192"
TIMEOUT_MS = 60_000
NO = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def view(qtbot):
    reading = ReadingView()
    qtbot.addWidget(reading)
    reading.resize(1400, 900)
    reading.show()
    qtbot.waitExposed(reading)
    reading.setFocus()
    return reading


def _open(view, qtbot, folder):
    view.open_paths([folder])
    qtbot.waitUntil(view.is_settled, timeout=TIMEOUT_MS)


def _press(qtbot, view, key, modifier=NO, times=1):
    for _ in range(times):
        qtbot.keyClick(view, key, modifier)


def _open_volume(qtbot, view, key):
    with qtbot.waitSignal(view.volume_ready, timeout=TIMEOUT_MS):
        _press(qtbot, view, key)


@pytest.fixture
def ct_mpr(view, qtbot, shared_dicom):
    _open(view, qtbot, shared_dicom / CT_FOLDER)
    _open_volume(qtbot, view, Qt.Key.Key_M)
    return view


def _grey_mean(rgb: np.ndarray) -> float:
    r, g, b = (rgb[..., c].astype(int) for c in range(3))
    grey = (abs(r - g) < 4) & (abs(g - b) < 4)
    return float(rgb[..., 0][grey].mean())


@pytest.mark.shared_data
def test_m_shows_the_ct_planes_with_letters_and_the_spine_posterior(ct_mpr):
    assert ct_mpr.session.view_mode == MPR and ct_mpr.panel.isVisible()
    mpr = ct_mpr.panel.view
    assert mpr.scenes[AXIAL].letters == {"left": "R", "right": "L", "top": "A", "bottom": "P"}
    assert mpr.scenes[CORONAL].letters == {"left": "R", "right": "L", "top": "S", "bottom": "I"}
    assert mpr.scenes[SAGITTAL].letters == {"left": "A", "right": "P", "top": "S", "bottom": "I"}
    axial = mpr.scenes[AXIAL].reslice.to_numpy()
    tissue_rows, tissue_columns = np.nonzero(axial > -300)
    middle = int(tissue_columns.mean())
    spine_rows, _ = np.nonzero(axial[:, middle - 15: middle + 15] > 200)
    assert spine_rows.mean() > tissue_rows.mean() + 10  # the vertebra lies below the body's centre: posterior
    sagittal = mpr.scenes[SAGITTAL].reslice.to_numpy()
    tissue_rows, tissue_columns = np.nonzero(sagittal > -300)
    middle = int(tissue_rows.mean())
    _, bone_columns = np.nonzero(sagittal[middle - 20: middle + 20] > 200)
    assert bone_columns.mean() > tissue_columns.mean() + 10  # the spine is on the right: posterior
    assert "axial plane active" in ct_mpr.status.text()


@pytest.mark.shared_data
def test_keys_scroll_turn_and_reset_the_planes_and_the_2d_viewport_follows(ct_mpr, qtbot):
    mpr = ct_mpr.panel.view
    viewport = ct_mpr.session.active_viewport
    start = mpr.crosshair.center.copy()
    _press(qtbot, ct_mpr, Qt.Key.Key_PageDown, times=3)  # 30 steps of the finest spacing, towards the feet
    assert mpr.crosshair.center[2] == pytest.approx(start[2] - 30 * mpr.scroll_step_mm)
    nearest = viewport.stack.nearest_index(mpr.crosshair.center)
    assert viewport.slice_index == nearest  # the 2D viewport shows the slice through the 3D cursor
    _press(qtbot, ct_mpr, Qt.Key.Key_Tab)
    assert ct_mpr.panel.active_plane == CORONAL and "coronal plane active" in ct_mpr.status.text()
    _press(qtbot, ct_mpr, Qt.Key.Key_R, times=2)  # oblique: axial and sagittal turn 10° about the coronal normal
    turned = mpr.crosshair.plane(AXIAL).row
    assert np.degrees(np.arccos(np.clip(turned @ [1.0, 0.0, 0.0], -1, 1))) == pytest.approx(10.0, abs=0.01)
    _press(qtbot, ct_mpr, Qt.Key.Key_Space)
    assert np.allclose(mpr.crosshair.plane(AXIAL).row, [1.0, 0.0, 0.0])
    _press(qtbot, ct_mpr, Qt.Key.Key_M)  # back to 2D: the same keys scroll the stack again
    assert ct_mpr.session.view_mode == STACK and not ct_mpr.panel.isVisible()
    index = viewport.slice_index
    _press(qtbot, ct_mpr, Qt.Key.Key_Down)
    assert viewport.slice_index == index + 1


@pytest.mark.shared_data
def test_slab_keys_make_a_mip_brighter_than_a_slice_and_a_minip_darker(ct_mpr, qtbot):
    mpr = ct_mpr.panel.view
    thin = _grey_mean(mpr.grab_view(AXIAL))
    _press(qtbot, ct_mpr, Qt.Key.Key_Period, times=4)
    assert mpr.slab == Slab(20.0, SlabMode.MIP) and "MIP 20 mm" in ct_mpr.status.text()
    mip = _grey_mean(mpr.grab_view(AXIAL))
    _press(qtbot, ct_mpr, Qt.Key.Key_T)
    assert mpr.slab.mode is SlabMode.MINIP
    minip = _grey_mean(mpr.grab_view(AXIAL))
    assert mip > thin + 2 and minip < thin - 2
    _press(qtbot, ct_mpr, Qt.Key.Key_Comma, times=4)
    assert mpr.slab.thickness_mm == 0


@pytest.mark.shared_data
def test_mpr_cursor_and_2d_viewport_locate_each_other_with_reference_lines(ct_mpr, qtbot):
    from workstation._qt.reading.overlays import REFERENCE_LINE_COLOUR

    widget = ct_mpr.viewport_widgets[0]
    viewport = widget.viewport
    assert len(ct_mpr.session.reference_planes_for(viewport)) == 3
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    rgb = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    rgb = rgb[:, : 3 * image.width()].reshape(image.height(), image.width(), 3).astype(int)
    assert REFERENCE_LINE_COLOUR.green() > REFERENCE_LINE_COLOUR.red() + 100  # green lines on grey images
    on_line = (rgb[..., 1] > rgb[..., 0] + 40) & (rgb[..., 1] > rgb[..., 2] + 40)  # antialiased: blended
    # the coronal and sagittal planes cross the axial image: a dashed row and a dashed column
    assert on_line.sum(axis=1).max() > image.width() / 4 and on_line.sum(axis=0).max() > image.height() / 4
    # Shift+click in the 2D viewport: the MPR crosshair goes to that point
    point = (100.0, 300.0)
    expected = viewport.current_plane().patient_position(*point)
    ct_mpr.session.locate(viewport, point)
    ct_mpr.session.notify()
    assert np.allclose(ct_mpr.panel.view.crosshair.center, expected)


@pytest.mark.shared_data
def test_sagittal_mr_reformats_to_a_correct_axial(view, qtbot, shared_dicom):
    _open(view, qtbot, shared_dicom / MR_FOLDER)
    _open_volume(qtbot, view, Qt.Key.Key_M)
    mpr = view.panel.view
    assert mpr.scenes[AXIAL].letters == {"left": "R", "right": "L", "top": "A", "bottom": "P"}
    axial = mpr.scenes[AXIAL].reslice.to_numpy()
    rows, columns = np.nonzero(axial > np.percentile(axial, 60))
    # a head is longer front to back than side to side: on a correct axial that runs down the screen
    assert np.ptp(rows) > 1.1 * np.ptp(columns)
    coronal = mpr.scenes[CORONAL].reslice.to_numpy()
    rows, columns = np.nonzero(coronal > np.percentile(coronal, 60))
    upper, lower = columns[rows < np.median(rows)], columns[rows >= np.median(rows)]
    assert np.ptp(upper) > np.ptp(lower)  # the skull is wider than the neck: the head is at the top


@pytest.mark.shared_data
def test_v_shows_3d_presets_turn_clip_and_back_to_2d(view, qtbot, shared_dicom):
    _open(view, qtbot, shared_dicom / CT_FOLDER)
    _open_volume(qtbot, view, Qt.Key.Key_V)
    assert view.session.view_mode == VOLUME_RENDERING
    volume_view = view.panel.view
    rgb = volume_view.grab_image()
    assert (rgb.max(axis=2) > 40).mean() > 0.05  # the rendered body covers part of the view
    camera = volume_view.scene.renderer.GetActiveCamera()
    before = np.array(camera.GetPosition())
    _press(qtbot, view, Qt.Key.Key_Left)
    assert not np.allclose(camera.GetPosition(), before)
    _press(qtbot, view, Qt.Key.Key_2)
    assert volume_view.scene.preset is volume_view.presets[list(volume_view.presets)[1]]
    _press(qtbot, view, Qt.Key.Key_B, Qt.KeyboardModifier.ShiftModifier)
    assert volume_view.scene.clipping_box is not None
    shot = grab_with_views(view)
    assert shot.width() == view.width()
    _press(qtbot, view, Qt.Key.Key_V)
    assert view.session.view_mode == STACK and view.panel.view is None


def test_mpr_of_a_single_image_is_refused_in_the_status_line(view, qtbot):
    view.open_stacks([phantom_stack(slices=1, size=32)])
    _press(qtbot, view, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: view.session.view_mode == STACK, timeout=TIMEOUT_MS)
    assert "at least 2 images" in view.status.text()
    _press(qtbot, view, Qt.Key.Key_I)  # the 2D viewport still works
    assert view.session.active_viewport.invert


def test_apply_layout_hangs_boxes_with_presets_and_opens_the_mpr_plane(view, qtbot):
    first = phantom_stack("1.2.3/0/0", slices=12, size=48)
    second = phantom_stack("1.2.4/0/0", slices=12, size=48)
    view.open_stacks([first, second])
    with qtbot.waitSignal(view.volume_ready, timeout=TIMEOUT_MS):
        problems = view.apply_layout("1x2", [
            ViewportBox("1.2.4", window_preset="lung"),
            ViewportBox("1.2.3", view=ViewType.MPR_CORONAL, slab=Slab(5.0, SlabMode.AVERAGE)),
        ])
    assert problems == []
    assert view.session.layout.name == "1x2"
    assert view.session.viewports[0].stack is second and view.session.viewports[0].window.name == "Lung"
    assert view.session.viewports[1].stack is first and view.session.active_index == 1
    assert view.panel.stack is first and view.panel.active_plane == CORONAL
    assert view.panel.view.slab == Slab(5.0, SlabMode.AVERAGE)
    problems = view.apply_layout("1x1", [ViewportBox("9.9.9")])
    assert problems and "9.9.9" in problems[0] and view.session.view_mode == STACK


def test_apply_layout_hangs_the_chosen_display_set_and_opens_3d_with_the_boxs_preset(view, qtbot):
    scout = phantom_stack("1.2.3/0/0", slices=3, size=48)
    axial = phantom_stack("1.2.3/1/0", slices=12, size=48)
    view.open_stacks([axial, scout])
    with qtbot.waitSignal(view.volume_ready, timeout=TIMEOUT_MS):
        problems = view.apply_layout("1x2", [
            ViewportBox("1.2.3", stack_uid="1.2.3/0/0"),
            ViewportBox("1.2.3", stack_uid="1.2.3/1/0", view=ViewType.VOLUME_RENDERING, volume_preset="mip"),
        ])
    assert problems == []
    assert view.session.viewports[0].stack is scout and view.session.viewports[1].stack is axial
    assert view.session.view_mode == VOLUME_RENDERING and view.panel.view.scene.preset.key == "mip"
    problems = view.apply_layout("1x1", [ViewportBox("1.2.3", stack_uid="1.2.3/1/0", view=ViewType.VOLUME_RENDERING,
                                                     volume_preset="glass")])
    assert problems == ["No 3D preset 'glass'; the 3D view opens with its default."]


def _blocks_volume(first_block_slice: int, frame_of_reference_uid: str):
    """Air with blocks of different densities at asymmetric places: something a rigid registration can lock on;
    ``first_block_slice`` moves all of them along the slices (2 mm apart)."""
    from workstation.volume.volume import Volume

    voxels = np.full((40, 64, 64), -1000, dtype=np.int16)
    for (k, j, i), value in (((0, 10, 12), 300), ((12, 40, 20), 800), ((20, 20, 45), 1500), ((6, 50, 50), 100)):
        k += first_block_slice
        voxels[k: k + 6, j: j + 10, i: i + 8] = value
    affine = np.diag([2.0, 2.0, 2.0, 1.0])
    affine[:3, 3] = (-64.0, -64.0, -40.0)
    return Volume(voxels, affine, frame_of_reference_uid)


def test_ctrl_r_registers_a_shifted_prior_and_scrolling_follows_the_anatomy(view, qtbot):
    from workstation.viewer.image_stack import ImageStack

    current = ImageStack.from_volume(_blocks_volume(8, "1.1"), uid="current")
    prior = ImageStack.from_volume(_blocks_volume(13, "2.2"), uid="prior")  # the same anatomy 5 slices (10 mm) on
    prior.is_prior = True
    view.open_stacks([current, prior])
    view.session.set_layout("1x2")
    view.session.viewports[1].show(prior)
    view.session.notify()
    left, right = view.session.viewports[:2]
    _press(qtbot, view, Qt.Key.Key_L)
    left.go_to(20)
    view.session.sync.propagate(left)
    assert right.slice_index == 20  # image offset before the registration
    with qtbot.waitSignal(view.status_changed, timeout=TIMEOUT_MS, check_params_cb=lambda text: "registered" in text):
        _press(qtbot, view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    shift = view.session.sync.registrations[("current", "prior")][:3, 3]
    assert shift == pytest.approx([0.0, 0.0, 10.0], abs=1.0)
    _press(qtbot, view, Qt.Key.Key_Down)
    assert left.slice_index == 21 and right.slice_index == 26  # by anatomy, not by image number
    _press(qtbot, view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # off again
    assert not view.session.sync.is_registered("current", "prior")


def test_cheat_sheet_lists_the_mpr_and_3d_keys(view, qtbot):
    view.open_stacks([phantom_stack(slices=3, size=16)])
    _press(qtbot, view, "?")
    lines = view.cheat_sheet.lines
    assert ("MPR and 3D", "M", "MPR of the active viewport's series / back to 2D") in lines
    assert ("MPR and 3D", "V", "3D of the active viewport's series / back to 2D") in lines
    assert ("MPR slab", "T", "MPR: slab MIP / MinIP / average") in lines
    assert ("Linking", "Ctrl+R", "Register current and prior (scroll by anatomy) / undo") in lines


@pytest.mark.shared_data
def test_2d_keys_keep_working_while_the_mpr_volume_is_built(view, qtbot, shared_dicom):
    _open(view, qtbot, shared_dicom / CT_FOLDER)
    viewport = view.session.active_viewport
    start = viewport.slice_index
    with qtbot.waitSignal(view.volume_ready, timeout=TIMEOUT_MS):
        _press(qtbot, view, Qt.Key.Key_M)
        assert not view.panel.is_ready and "Building the volume" in view.panel.message.text()
        _press(qtbot, view, Qt.Key.Key_Down, times=2)  # the worker builds; the 2D viewport still scrolls
        assert viewport.slice_index == start + 2
    assert view.session.view_mode == MPR
