"""The security keys are keymap commands: the defaults work, and a user's keymap rebinds them."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from workstation._qt.reading.reading_view import ReadingView
from workstation._qt.security.controller import install_security
from workstation.core.keymap import Keymap, user_keymap_path
from workstation.security.roles import Role
from workstation.security.station import StationSecurity

pytestmark = pytest.mark.gui
CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier


def test_security_commands_have_default_keys_and_follow_the_users_keymap(qtbot, main_window):
    assert {command: Keymap.load().keys_for(command) for command in (
        "security.lock_screen", "security.switch_user", "security.mark_confidential", "keyword.tag")} == {
        "security.lock_screen": ("Ctrl+Alt+L",), "security.switch_user": ("Ctrl+Alt+U",),
        "security.mark_confidential": ("Ctrl+Alt+C",), "keyword.tag": ("Ctrl+T",)}
    user_keymap_path().write_text(json.dumps({"security.lock_screen": ["Ctrl+Alt+K"]}), encoding="utf-8")
    security = StationSecurity.open()
    alice = security.users.add("alice", Role.RADIOLOGIST, "alice-pw")
    main_window.install_reading_screen(ReadingView(main_window.archive))
    controller = install_security(main_window, security, user=alice)
    assert "security.lock_screen" in main_window.reading_screen.registry
    main_window.activateWindow()
    qtbot.keyClick(main_window, Qt.Key.Key_L, CTRL_ALT)
    assert not controller.session.locked  # the default key was moved away by the user's keymap
    qtbot.keyClick(main_window, Qt.Key.Key_K, CTRL_ALT)
    assert controller.session.locked and controller.lock_screen.isVisible()
