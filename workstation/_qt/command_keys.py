"""Menu and window commands take their keys from the keymap; when the keymap changes (another user signs in,
the keymap file is edited), every action is given the keys the new keymap binds."""

from __future__ import annotations

import logging

from PySide6.QtGui import QAction, QKeySequence

from workstation.core.keymap import Keymap

log = logging.getLogger(__name__)


def rebind_shortcuts(actions: dict[str, QAction], keymap: Keymap) -> None:
    """Give each command's action the keys ``keymap`` binds to it now."""
    for command_id, action in actions.items():
        keys = [QKeySequence(key) for key in keymap.keys_for(command_id)]
        if action.shortcuts() != keys:
            action.setShortcuts(keys)
            log.info("command %s now on %s", command_id, ", ".join(keymap.keys_for(command_id)) or "no key")
