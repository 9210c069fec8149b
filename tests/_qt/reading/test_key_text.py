"""Key presses and recorded sequences spelled the way the keymap file spells them."""

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence

from workstation._qt.reading.key_text import key_text, sequence_text

pytestmark = pytest.mark.gui


@pytest.mark.parametrize(("key", "modifiers", "text", "expected"), [
    (Qt.Key.Key_Question, Qt.KeyboardModifier.ShiftModifier, "?", "?"),
    (Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier, "", "Shift+Tab"),
    (Qt.Key.Key_PageDown, Qt.KeyboardModifier.NoModifier, "", "PgDown"),
    (Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier, "\x1a", "Ctrl+Z"),
    (Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier, "R", "Shift+R"),
    (Qt.Key.Key_5, Qt.KeyboardModifier.KeypadModifier, "5", "5"),
    (Qt.Key.Key_Shift, Qt.KeyboardModifier.ShiftModifier, "", None),
])
def test_key_presses(qapp, key, modifiers, text, expected):
    assert key_text(QKeyEvent(QEvent.Type.KeyPress, key, modifiers, text)) == expected


def test_recorded_sequences_drop_shift_of_symbols_and_name_backtab():
    assert sequence_text(QKeySequence("Shift+?")) == "?"
    assert sequence_text(QKeySequence(Qt.KeyboardModifier.ShiftModifier | Qt.Key.Key_Backtab)) == "Shift+Tab"
    assert sequence_text(QKeySequence("Ctrl+K")) == "Ctrl+K"
    assert sequence_text(QKeySequence()) is None
