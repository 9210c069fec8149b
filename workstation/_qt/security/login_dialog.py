"""The login dialog: at start (once the station has accounts), to unlock, and to switch user."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget,
)

from workstation.security.authentication import authenticate
from workstation.security.errors import AuthenticationError
from workstation.security.station import StationSecurity
from workstation.security.users import User

log = logging.getLogger(__name__)


class LoginDialog(QDialog):
    """Accepts only after a successful authentication; ``user`` is then who logged in."""

    def __init__(self, security: StationSecurity, parent: QWidget | None = None, title: str = "Log in") -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Workstation – {title}")
        self.security = security
        self.user: User | None = None
        self.name = QLineEdit()
        self.name.setObjectName("login-name")
        self.password = QLineEdit()
        self.password.setObjectName("login-password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel("")
        self.message.setObjectName("login-message")
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow("User", self.name)
        form.addRow("Password", self.password)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.try_login)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.name.setFocus()

    def try_login(self) -> None:
        try:
            self.user = authenticate(self.security.users, self.security.settings, self.security.trail,
                                     self.name.text().strip(), self.password.text())
        except AuthenticationError as error:
            self.message.setText(str(error))
            self.password.clear()
            self.password.setFocus()
            return
        self.accept()
