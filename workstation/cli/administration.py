"""Who may run the station's administration commands (accounts, access lists of confidential exams).

Before any account exists, whoever may write the station's home folder sets it up (audited as
``os:LOGIN``), and the first account made must be an administrator. From then on an administrator signs in
with ``--user NAME`` (password from ``WORKSTATION_PASSWORD`` or a prompt); other roles are refused, and
every change is audited under the administrator's name.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from dataclasses import dataclass

from workstation.cli.authentication import PASSWORD_VARIABLE, read_password, station_administrator
from workstation.security.audit.messages import USE_OF_RESTRICTED_FUNCTION, Code
from workstation.security.authentication import authenticate
from workstation.security.errors import AccessDenied, AuthenticationError
from workstation.security.roles import Permission
from workstation.security.station import StationSecurity
from workstation.security.users import User

log = logging.getLogger(__name__)
NEW_PASSWORD_VARIABLE = "WORKSTATION_NEW_PASSWORD"


@dataclass
class Administrator:
    """The signed-in administrator; on a station with no accounts yet, the operating-system login."""

    security: StationSecurity
    user: User

    @property
    def bootstrap(self) -> bool:
        return self.user.directory == "os"

    def audit_change(self, kind: Code, detail: str) -> None:
        """A Security Alert of ``kind`` (Security Roles Changed, Network Configuration...) in this one's name."""
        trail = self.security.trail
        trail.record(trail.messages.security_alert(self.user.name, kind, detail))


def add_administrator_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", help="the administrator running this (password from WORKSTATION_PASSWORD or a "
                                       "prompt); needed once the station has user accounts")


def sign_in_administrator(args: argparse.Namespace, task: str) -> Administrator:
    """The administrator allowed to ``task`` ("add accounts"...); AuthenticationError/AccessDenied otherwise."""
    security = StationSecurity.open()
    if security.single_user:
        log.info("no user accounts yet: %s administers the station as the operating-system user", getpass.getuser())
        return Administrator(security, station_administrator())
    name = getattr(args, "user", None)
    if not name:
        raise AuthenticationError(f"This station has user accounts: to {task}, an administrator signs in with "
                                  f"--user NAME (the password comes from {PASSWORD_VARIABLE} or a prompt).")
    user = authenticate(security.users, security.settings, security.trail, name,
                        read_password(f"Password for {name}: "))
    if not user.may(Permission.ADMINISTER):
        trail = security.trail
        trail.record(trail.messages.security_alert(user.name, USE_OF_RESTRICTED_FUNCTION,
                                                   f"refused to {task}: role {user.role.value}", failed=True))
        log.warning("%s (%s) refused: may not %s", user.name, user.role.value, task)
        raise AccessDenied(f"{user.name} is a {user.role.value}: only an administrator may {task}. "
                           "Ask an administrator to do it.")
    return Administrator(security, user)


def read_new_password(account: str, bootstrap: bool) -> str:
    """A password for ``account`` from WORKSTATION_NEW_PASSWORD or a prompt; while no account exists (nobody
    signs in), WORKSTATION_PASSWORD too, as the first ``user add`` always took it."""
    password = os.environ.get(NEW_PASSWORD_VARIABLE)
    if password is None and bootstrap:
        password = os.environ.get(PASSWORD_VARIABLE)
    if password is not None:
        return password
    if not sys.stdin.isatty():
        variables = f"{NEW_PASSWORD_VARIABLE} or {PASSWORD_VARIABLE}" if bootstrap else NEW_PASSWORD_VARIABLE
        raise AuthenticationError(f"No password for {account}: set {variables} or run the command in a terminal.")
    return getpass.getpass(f"Password for the account {account}: ")
