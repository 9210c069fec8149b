"""The lock screen: covers the whole window, and the image window when the images have their own, (the
reading state stays as it is underneath) until the same user types their password, or someone else logs in
instead ("Switch user")."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from workstation.security.authentication import authenticate
from workstation.security.errors import AuthenticationError
from workstation.security.station import StationSecurity
from workstation.security.users import User


class Curtain(QWidget):
    """Covers another window of the station (the image window) while the screen is locked: no image shows."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("lock-curtain")
        self.setAutoFillBackground(True)
        self.setStyleSheet("#lock-curtain { background: #202020; } QLabel { color: #e0e0e0; }")
        label = QLabel("Locked – unlock on the study list's screen.")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        QVBoxLayout(self).addWidget(label)
        window.installEventFilter(self)
        self.hide()

    def cover(self) -> None:
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self.parentWidget().rect())
        return False


class LockScreen(QWidget):
    unlocked = Signal()
    switch_user_requested = Signal()

    def __init__(self, window: QWidget, security: StationSecurity) -> None:
        super().__init__(window)
        self.setObjectName("lock-screen")
        self.security = security
        self.user: User | None = None
        self.curtains: list[Curtain] = []
        self.setAutoFillBackground(True)
        self.setStyleSheet("#lock-screen { background: #202020; } QLabel { color: #e0e0e0; }")
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
        switch = QPushButton("Switch user…")
        switch.clicked.connect(self.switch_user_requested)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.password)
        row.addWidget(switch)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addStretch(2)
        window.installEventFilter(self)
        self.hide()

    def also_cover(self, window: QWidget) -> None:
        """Cover ``window`` too while locked (the image window on the image screens)."""
        self.curtains.append(Curtain(window))

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
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()
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

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self.parentWidget().rect())
        return False
