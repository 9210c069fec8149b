"""Switching user through the window: the locked station's "Switch user…" button, the login dialog typed
into, then the previous user's exam closed and their worklist lock released, the new user's rules applied."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from tests._qt.security.screen_pixels import screen_rgb, widget_rgb
from tests._qt.worklist.test_worklist_dock import TIMEOUT_MS, worklist  # noqa: F401 (fixture)
from workstation._qt.security.controller import install_security
from workstation._qt.security.login_dialog import LoginDialog
from workstation.core.keymap import Keymap
from workstation.security.roles import Role
from workstation.security.station import StationSecurity
from workstation.settings.profile_folder import set_profile_user
from workstation.worklist.exam import ReadingStatus
from workstation.worklist.filters import WorklistFilter, save_filter

pytestmark = pytest.mark.gui


def test_switch_user_from_the_lock_screen_closes_the_exam_and_releases_the_lock(  # noqa: F811
        worklist, main_window, qtbot):
    security = StationSecurity.open()
    alice = security.users.add("alice", Role.RADIOLOGIST, "alice-pw")
    security.users.add("bob", Role.RESIDENT, "bob-pw")
    controller = install_security(main_window, security, user=alice)
    worklist.actions["worklist.open_next"].trigger()
    reading = main_window.reading_screen
    qtbot.waitUntil(lambda: main_window.pages.currentWidget() is reading, timeout=TIMEOUT_MS)
    qtbot.waitUntil(reading.is_settled, timeout=TIMEOUT_MS)
    assert worklist.store.exam("DEMOA0102").locked_by == "alice"

    controller.actions["security.lock_screen"].trigger()
    lock_screen = controller.lock_screen
    qtbot.waitUntil(lambda: np.any(screen_rgb(main_window) != widget_rgb(lock_screen), axis=-1).sum() <= 60,
                    timeout=5000)  # the worklist dock's patient names are covered too
    assert lock_screen.holds_back(worklist.panel) and not lock_screen.holds_back(lock_screen.password)

    def type_in_the_login_dialog():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, LoginDialog)
        qtbot.keyClicks(dialog.name, "bob")
        qtbot.keyClicks(dialog.password, "bob-pw")
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)

    QTimer.singleShot(100, type_in_the_login_dialog)
    qtbot.mouseClick(lock_screen.switch_button, Qt.MouseButton.LeftButton)

    assert controller.user.name == "bob" and not lock_screen.isVisible() and not controller.session.locked
    assert main_window.centralWidget().isVisible()
    assert main_window.pages.currentWidget() is main_window.study_browser
    assert not reading.session.display_sets  # alice's exam is closed
    exam = worklist.store.exam("DEMOA0102")
    assert not exam.is_locked() and exam.status == ReadingStatus.IMAGES_AVAILABLE
    assert worklist.session.user == "bob" and "bob (resident)" in controller.user_label.text()
    events = [(r["event"], r["user"], r.get("detail", "")) for r in security.trail.log.records()]
    assert events[-2:] == [("login", "bob", ""), ("logout", "alice", "switched to bob")]


def test_a_floating_dock_is_hidden_while_locked_and_comes_back(worklist, main_window, qtbot):  # noqa: F811
    """A floating dock is a window of its own: the cover over the main window would not hide its patient list."""
    security = StationSecurity.open()
    alice = security.users.add("alice", Role.RADIOLOGIST, "alice-pw")
    controller = install_security(main_window, security, user=alice)
    worklist.dock.setFloating(True)
    qtbot.waitExposed(worklist.dock)
    controller.lock()
    assert not worklist.dock.isVisible()
    qtbot.keyClicks(controller.lock_screen.password, "alice-pw")
    qtbot.keyClick(controller.lock_screen.password, Qt.Key.Key_Return)
    assert worklist.dock.isVisible() and worklist.dock.isFloating()


def test_each_user_gets_their_own_keys_and_worklist_filter_on_signing_in(worklist, main_window, qtbot):  # noqa: F811
    security = StationSecurity.open()
    alice = security.users.add("alice", Role.RADIOLOGIST, "alice-pw")
    bob = security.users.add("bob", Role.RADIOLOGIST, "bob-pw")
    for user, key, modalities in ((alice, "F9", ["CT"]), (bob, "F10", ["DX"])):
        set_profile_user(user.name)
        keymap = Keymap.load()
        keymap.rebind("worklist.open_next", [key])
        keymap.rebind("viewport.next_image", [key.replace("F", "Ctrl+")])
        keymap.save()
        save_filter(WorklistFilter(modalities=modalities))
    set_profile_user("")

    controller = install_security(main_window, security, user=alice)
    open_next = worklist.actions["worklist.open_next"]
    assert [key.toString() for key in open_next.shortcuts()] == ["F9"]
    assert main_window.reading_screen.keymap.command_for("Ctrl+9") == "viewport.next_image"
    assert worklist.panel.modality_filter.text() == "CT" and worklist.panel.filter.modalities == ["CT"]

    controller.change_user(bob)
    assert [key.toString() for key in open_next.shortcuts()] == ["F10"]
    assert main_window.reading_screen.keymap.command_for("Ctrl+10") == "viewport.next_image"
    assert main_window.reading_screen.keymap.command_for("Ctrl+9") is None
    assert worklist.panel.modality_filter.text() == "DX"
    qtbot.waitUntil(lambda: bool(worklist.panel.model.exams), timeout=TIMEOUT_MS)
    assert {exam.modality for exam in worklist.panel.model.exams} == {"DX"}
