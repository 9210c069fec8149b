"""A Qt key press as the keymap spells it ("PgUp", "Ctrl+Z", "?", "Shift+Tab")."""

from __future__ import annotations

from PySide6.QtCore import QKeyCombination, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence

_MODIFIER_KEYS = {Qt.Key.Key_Control, Qt.Key.Key_Shift, Qt.Key.Key_Alt, Qt.Key.Key_Meta, Qt.Key.Key_AltGr}


def key_text(event: QKeyEvent) -> str | None:
    """None for a lone modifier. Shift is dropped for symbols it produces ("?" not "Shift+?"),
    and Qt's Backtab is written Shift+Tab."""
    key = Qt.Key(event.key())
    if key in _MODIFIER_KEYS or key == Qt.Key.Key_unknown:
        return None
    modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    if key == Qt.Key.Key_Backtab:
        key, modifiers = Qt.Key.Key_Tab, modifiers | Qt.KeyboardModifier.ShiftModifier
    text = event.text()
    if text and text.isprintable() and not text.isalnum() and not text.isspace():
        modifiers &= ~Qt.KeyboardModifier.ShiftModifier
    return _portable(modifiers, key)


def _portable(modifiers: Qt.KeyboardModifier, key: Qt.Key) -> str | None:
    return QKeySequence(QKeyCombination(modifiers, key)).toString(QKeySequence.SequenceFormat.PortableText) or None


def sequence_text(sequence: QKeySequence) -> str | None:
    """The first key of a recorded sequence (QKeySequenceEdit) as the keymap spells it."""
    if sequence.isEmpty():
        return None
    combination = sequence[0]
    key, modifiers = combination.key(), combination.keyboardModifiers()
    if key == Qt.Key.Key_Backtab:
        key, modifiers = Qt.Key.Key_Tab, modifiers | Qt.KeyboardModifier.ShiftModifier
    base = _portable(Qt.KeyboardModifier.NoModifier, key) or ""
    if len(base) == 1 and not base.isalnum():
        modifiers &= ~Qt.KeyboardModifier.ShiftModifier
    return _portable(modifiers, key)
