"""With the images on their own window (two screens), the lock screen covers that window too: checked on
the X server's pixels, not only on the widgets' geometry."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests._qt.security.screen_pixels import screen_rgb, share_of, widget_rgb
from workstation._qt.reading.reading_view import ReadingView
from workstation._qt.reading.screen_placement import ScreenPlacement
from workstation._qt.security.controller import install_security
from workstation._qt.security.lock_screen import COVER_COLOUR
from workstation.security.roles import Role
from workstation.security.station import StationSecurity
from workstation.viewer.screen_arrangement import ScreenArrangementStore, ScreenInfo

pytestmark = pytest.mark.gui
TIMEOUT_MS = 30_000


def image_share(rgb: np.ndarray) -> float:
    return float((rgb.max(axis=-1) > 60).mean())


def test_the_lock_covers_the_image_window_and_unlocking_uncovers_it(qtbot, main_window, tmp_path):
    screens = [ScreenInfo("colour", 0, 0, 960, 1080, primary=True), ScreenInfo("grey", 960, 0, 960, 1080)]
    placement = ScreenPlacement(main_window, ReadingView(main_window.archive), screens,
                                ScreenArrangementStore(tmp_path / "s.json"), ("alice", "ws1"))
    image_window = placement.image_window
    qtbot.addWidget(image_window)
    main_window.screen_placement = placement
    placement.show()
    security = StationSecurity.open()
    alice = security.users.add("alice", Role.RADIOLOGIST, "alice-pw")
    controller = install_security(main_window, security, user=alice)
    [curtain] = controller.lock_screen.curtains
    assert curtain.parentWidget() is image_window and not curtain.isVisible()
    ct = next(study for study in main_window.archive.studies() if "CT" in study.modalities)
    main_window.open_study(ct.study_instance_uid)
    qtbot.waitUntil(image_window.reading.is_settled, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: image_share(screen_rgb(image_window)) > 0.05, timeout=TIMEOUT_MS)

    controller.lock()
    assert curtain.isVisible() and curtain.geometry() == image_window.rect()
    qtbot.waitUntil(lambda: np.array_equal(screen_rgb(image_window), widget_rgb(curtain)), timeout=5000)
    assert share_of(screen_rgb(image_window, save_as="image_window_locked"), COVER_COLOUR) > 0.95
    image_window.resize(800, 700)
    qtbot.waitUntil(lambda: curtain.geometry() == image_window.rect(), timeout=5000)

    qtbot.keyClicks(controller.lock_screen.password, "alice-pw")
    qtbot.keyClick(controller.lock_screen.password, Qt.Key.Key_Return)
    assert not controller.session.locked and not curtain.isVisible()
    qtbot.waitUntil(lambda: image_share(screen_rgb(image_window)) > 0.05, timeout=TIMEOUT_MS)
