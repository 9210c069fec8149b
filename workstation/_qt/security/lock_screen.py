"""The lock screen: covers the whole window, and the image window when the images have their own, (the
reading state stays as it is underneath) until the same user types their password, or someone else logs in
instead ("Switch user")."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QHideEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QApplication, QDockWidget, QHBoxLayout, QLabel, QLineEdit, QMainWindow, QPushButton, QVBoxLayout, QWidget,
)
from shiboken6 import isValid

from workstation.security.authentication import authenticate
from workstation.security.errors import AuthenticationError
from workstation.security.station import StationSecurity
from workstation.security.users import User

COVER_COLOUR = QColor(0x20, 0x20, 0x20)


class Cover(QWidget):
    """An opaque cover, in one uniform colour, over a whole window while the screen is locked.

    Painted by hand: a style-sheet background is not drawn on a plain QWidget subclass (the images showed
    through). While it covers, the window's central widget and floating docks are hidden as well: the MPR and
    3D views are native windows that the window system stacks above anything Qt draws in the window, and a
    floating dock is a window of its own. Hidden, not closed: the reading state is kept, and uncovering shows
    them again, with the keyboard focus where it was."""

    def __init__(self, window: QMainWindow, name: str) -> None:
        super().__init__(window)
        self.setObjectName(name)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setStyleSheet("QLabel { color: #e0e0e0; }")
        self.window_covered = window
        self._hidden: list[QWidget] = []
        self._focus: QWidget | None = None
        window.installEventFilter(self)  # subclasses hide() themselves once built (hideEvent may use their fields)

    def cover(self) -> None:
        if not self.isVisible():
            self._focus = QApplication.focusWidget()
            window = self.window_covered
            floating = [dock for dock in window.findChildren(QDockWidget) if dock.isFloating()]
            for widget in (window.centralWidget(), *floating):
                if widget is not None and widget.isVisible():
                    widget.hide()
                    self._hidden.append(widget)
        self.setGeometry(self.window_covered.rect())
        self.show()
        self.raise_()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt's name
        """Uncovered (not merely minimised with the window): what the cover hid shows again."""
        if not event.spontaneous():
            for widget in self._hidden:
                widget.show()
            self._hidden.clear()
            if self._focus is not None and isValid(self._focus) and self._focus.isVisible():
                self._focus.setFocus()
            self._focus = None
        super().hideEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        QPainter(self).fillRect(event.rect(), COVER_COLOUR)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.window_covered and event.type() == QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self.window_covered.rect())
        return False


class Curtain(Cover):
    """Covers another window of the station (the image window) while the screen is locked: no image shows."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window, "lock-curtain")
        label = QLabel("Locked – unlock on the study list's screen.")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        QVBoxLayout(self).addWidget(label)
        self.hide()


class LockScreen(Cover):
    unlocked = Signal()
    switch_user_requested = Signal()

    def __init__(self, window: QMainWindow, security: StationSecurity) -> None:
        super().__init__(window, "lock-screen")
        self.security = security
        self.user: User | None = None
        self.curtains: list[Curtain] = []
        self.title = QLabel("")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.password = QLineEdit()
        self.password.setObjectName("lock-password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Password")
        self.password.setMaximumWidth(320)
        self.password.returnPressed.connect(self.try_unlock)
        self.message = QLabel("")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.switch_button = QPushButton("Switch user…")
        self.switch_button.clicked.connect(self.switch_user_requested)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.password)
        row.addWidget(self.switch_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addStretch(2)
        self.hide()

    def also_cover(self, window: QMainWindow) -> None:
        """Cover ``window`` too while locked (the image window on the image screens)."""
        self.curtains.append(Curtain(window))

    def holds_back(self, widget: QWidget) -> bool:
        """Whether input to ``widget`` waits for the unlock: anything in a covered window but the lock screen's
        own fields. The login dialog of "Switch user…" is a window of its own, so it can be typed into."""
        covered = {self.window_covered, *(curtain.window_covered for curtain in self.curtains)}
        return widget.window() in covered and widget is not self and not self.isAncestorOf(widget)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt's name
        """Unlocked or another user logged in: the other windows show again (not when the window is minimised)."""
        if not event.spontaneous():
            for curtain in self.curtains:
                curtain.hide()
        super().hideEvent(event)

    def lock(self, user: User) -> None:
        self.user = user
        self.title.setText(f"Locked – {user.name} is logged in. Type your password to go on reading.")
        self.message.clear()
        self.password.clear()
        self.cover()
        for curtain in self.curtains:
            curtain.cover()
        self.password.setFocus()

    def try_unlock(self) -> None:
        try:
            authenticate(self.security.users, self.security.settings, self.security.trail, self.user.name,
                         self.password.text())
        except AuthenticationError as error:
            self.message.setText(str(error))
            self.password.clear()
            return
        self.hide()
        self.unlocked.emit()
