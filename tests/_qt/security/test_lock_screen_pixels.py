"""The lock screen checked on the X server's own pixels: the 2D stack, the MPR and the 3D views (VTK draws
the last two in native windows, which stack above Qt's widgets) are all hidden while locked, and come back
as they were once the password is typed."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests._qt.security.screen_pixels import rect_in, screen_rgb, share_of, widget_rgb
from workstation._qt.reading.reading_view import ReadingView
from workstation._qt.security.controller import install_security
from workstation._qt.security.lock_screen import COVER_COLOUR
from workstation.security.roles import Role
from workstation.security.station import StationSecurity
from workstation.viewer.reading_session import MPR, VOLUME_RENDERING

pytestmark = pytest.mark.gui
TIMEOUT_MS = 60_000
CARET_PIXELS = 60  # the password field's blinking text cursor may differ between two grabs


def bright_share(rgb: np.ndarray) -> float:
    """Share of pixels brighter than the dark backgrounds (image content, text)."""
    return float((rgb.max(axis=-1) > 60).mean())


def view_state(reading) -> tuple:
    view = reading.panel.view
    if reading.session.view_mode == MPR:
        kept = tuple(view.crosshair.center)
    else:
        kept = view.scene.renderer.GetActiveCamera().GetPosition()
    return reading.session.view_mode, view, kept, reading.session.active_viewport.slice_index


def test_the_lock_hides_the_2d_mpr_and_3d_views_on_the_screen_and_unlocking_shows_them_as_they_were(
        qtbot, main_window):
    main_window.install_reading_screen(ReadingView(main_window.archive))
    security = StationSecurity.open()
    alice = security.users.add("alice", Role.RADIOLOGIST, "alice-pw")
    controller = install_security(main_window, security, user=alice)
    ct = next(study for study in main_window.archive.studies() if "CT" in study.modalities)
    main_window.open_study(ct.study_instance_uid)
    reading = main_window.reading_screen
    qtbot.waitUntil(reading.is_settled, timeout=TIMEOUT_MS)
    lock_screen = controller.lock_screen
    last_screen = screen_rgb(main_window)

    for command, mode in (("view.mpr", MPR), ("view.volume_rendering", VOLUME_RENDERING)):
        with qtbot.waitSignal(reading.volume_ready, timeout=TIMEOUT_MS):
            reading.run_command(command)
        panel = rect_in(reading.panel, main_window)
        was = last_screen[panel.top(): panel.bottom() + 1, panel.left(): panel.right() + 1]

        def drawn() -> bool:  # the new view is on the screen, not the last one's pixels
            shown = screen_rgb(main_window, panel)
            return bright_share(shown) > 0.05 and np.any(shown != was, axis=-1).mean() > 0.2

        qtbot.waitUntil(drawn, timeout=TIMEOUT_MS)
        last_screen = screen_rgb(main_window, save_as=f"{mode}_before_lock")
        before = view_state(reading)
        assert before[0] == mode

        controller.lock()

        def only_the_lock_screen_shows() -> bool:
            shown = screen_rgb(main_window)
            return int(np.any(shown != widget_rgb(lock_screen), axis=-1).sum()) <= CARET_PIXELS

        qtbot.waitUntil(only_the_lock_screen_shows, timeout=5000)
        locked = screen_rgb(main_window, save_as=f"{mode}_locked")
        assert share_of(locked, COVER_COLOUR) > 0.95  # one uniform colour but for the password row and title
        assert share_of(screen_rgb(main_window, panel), COVER_COLOUR) > 0.9

        qtbot.keyClicks(lock_screen.password, "alice-pw")
        qtbot.keyClick(lock_screen.password, Qt.Key.Key_Return)
        assert not controller.session.locked
        qtbot.waitUntil(lambda: bright_share(screen_rgb(main_window, panel)) > 0.05, timeout=TIMEOUT_MS)
        screen_rgb(main_window, save_as=f"{mode}_unlocked")
        assert view_state(reading) == before  # same view object, crosshair or camera, 2D image
        assert QApplication.focusWidget() is reading  # the reading keys work at once
