"""The issue's 'done when': the demo chest CT with its prior, read from the archive with the keyboard only,
in 2D (presets, linked scrolling, registration), MPR (planes, slab) and 3D."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt

from workstation._qt.reading.reading_view import ReadingView
from workstation.archive import Archive
from workstation.settings.home import archive_folder
from workstation.viewer.reading_session import MPR, STACK, VOLUME_RENDERING
from workstation.volume.mpr import SlabMode

pytestmark = pytest.mark.gui
TIMEOUT_MS = 60_000
NO, SHIFT, CTRL = Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def demo_archive(workstation_home, demo_archive_template):
    shutil.copytree(demo_archive_template, archive_folder())
    archive = Archive(archive_folder())
    yield archive
    archive.close()


def test_demo_ct_with_prior_read_from_the_keyboard_in_2d_mpr_and_3d(qtbot, demo_archive):
    view = ReadingView(demo_archive)
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    qtbot.waitExposed(view)
    current = max((s for s in demo_archive.studies() if s.study_description.startswith("CT")),
                  key=lambda s: s.study_date)
    view.open_study(current.study_instance_uid)
    qtbot.waitUntil(view.is_settled, timeout=TIMEOUT_MS)
    press = lambda key, modifier=NO: qtbot.keyClick(view, key, modifier)  # noqa: E731

    # 2D: current on the left, its prior beside it
    left, right = view.session.viewports[:2]
    assert view.session.layout.name == "1x2" and not left.stack.is_prior and right.stack.is_prior
    qtbot.waitUntil(lambda: left.stack.is_complete and right.stack.is_complete, timeout=TIMEOUT_MS)
    press(Qt.Key.Key_2)
    assert left.window.name == "Lung"
    press(Qt.Key.Key_L)  # link scrolling: different frames of reference, so by image offset first
    assert view.session.sync.link_scroll
    with qtbot.waitSignal(view.status_changed, timeout=TIMEOUT_MS,
                          check_params_cb=lambda message: "registered" in message):
        press(Qt.Key.Key_R, CTRL)
    assert view.session.sync.is_registered(left.stack.uid, right.stack.uid)
    for _ in range(len(left.stack) // 2):
        press(Qt.Key.Key_Down)
    # the prior shows the slice through the registered anatomy of the current one
    registration = view.session.sync.registrations[(left.stack.uid, right.stack.uid)]
    centre = left.current_plane().patient_position(left.stack.columns / 2, left.stack.rows / 2)
    expected = right.stack.nearest_index((registration @ [*centre, 1.0])[:3])
    assert right.slice_index == expected

    # MPR of the current CT, slab MIP, back to 2D
    with qtbot.waitSignal(view.volume_ready, timeout=TIMEOUT_MS):
        press(Qt.Key.Key_M)
    assert view.session.view_mode == MPR
    press(Qt.Key.Key_Period)
    press(Qt.Key.Key_Period)
    press(Qt.Key.Key_T)
    assert view.panel.view.slab.mode is SlabMode.MINIP and view.panel.view.slab.thickness_mm > 0
    press(Qt.Key.Key_Tab)
    press(Qt.Key.Key_PageDown)
    # 3D, turned and with another preset; V again returns to 2D
    with qtbot.waitSignal(view.volume_ready, timeout=TIMEOUT_MS):
        press(Qt.Key.Key_V)
    assert view.session.view_mode == VOLUME_RENDERING
    press(Qt.Key.Key_Right)
    press(Qt.Key.Key_3)
    press(Qt.Key.Key_V)
    assert view.session.view_mode == STACK
    press(Qt.Key.Key_Tab)
    assert view.session.active_index == 1
