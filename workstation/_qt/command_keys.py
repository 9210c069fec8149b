"""Menu and window commands: each is a QAction whose keys come from the keymap, also runnable from the reading
screen's command registry. When the keymap changes (another user signs in, the keymap file is edited), every
action is given the keys the new keymap binds."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from workstation.core.keymap import Keymap, KeymapError

log = logging.getLogger(__name__)


def load_keymap(screen: str) -> Keymap:
    """The signed-in user's keymap; an unreadable one is logged and leaves ``screen``'s keys off."""
    try:
        return Keymap.load()
    except KeymapError as error:
        log.error("keymap unreadable, %s keys off: %s", screen, error)
        return Keymap({})


def command_action(window: QMainWindow, command_id: str, title: str, handler: Callable[[], object],
                   keymap: Keymap) -> QAction:
    """A window-wide action for ``command_id`` on the keymap's keys, also in the reading screen's registry
    (when the window has one) so the reading screen's key handling and cheat sheet know it."""
    action = QAction(title, window)
    action.setShortcuts([QKeySequence(key) for key in keymap.keys_for(command_id)])
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(handler)
    registry = getattr(getattr(window, "reading_screen", None), "registry", None)
    if registry is not None and command_id not in registry:
        registry.register(command_id, title.replace("&", "").rstrip("…"), handler)
    return action


def rebind_shortcuts(actions: dict[str, QAction], keymap: Keymap) -> None:
    """Give each command's action the keys ``keymap`` binds to it now."""
    for command_id, action in actions.items():
        keys = [QKeySequence(key) for key in keymap.keys_for(command_id)]
        if action.shortcuts() != keys:
            action.setShortcuts(keys)
            log.info("command %s now on %s", command_id, ", ".join(keymap.keys_for(command_id)) or "no key")
