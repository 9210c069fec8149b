"""``--user NAME`` for commands that read patient data: who runs them, checked and audited like the window.

No accounts on the station: a single-user station, nothing is asked (and the log says so). Otherwise the
password comes from ``WORKSTATION_PASSWORD`` or a prompt, and the caller gets the user to filter with.
Station administration (user accounts, access lists) needs an administrator's login once accounts exist
(``administration.py``); before that, the operating-system account (``os:LOGIN``) sets the station up.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workstation.security.errors import AccessDenied, AuthenticationError
from workstation.security.roles import Permission, Role

if TYPE_CHECKING:  # loaded by command_user, so that a command's --help does not open the security stack
    from workstation.security.station import StationSecurity
    from workstation.security.users import User

log = logging.getLogger(__name__)
PASSWORD_VARIABLE = "WORKSTATION_PASSWORD"


@dataclass
class CommandUser:
    """Who runs this command: ``user`` is None on a single-user station."""

    security: StationSecurity
    user: User | None

    @property
    def name(self) -> str:
        return self.user.name if self.user else getpass.getuser()


def add_user_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", help="run as this workstation user (password from WORKSTATION_PASSWORD or a "
                                       "prompt); needed once the station has user accounts")


def read_password(prompt: str = "Password: ") -> str:
    password = os.environ.get(PASSWORD_VARIABLE)
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise AuthenticationError(f"No password: set {PASSWORD_VARIABLE} or run the command in a terminal.")
    return getpass.getpass(prompt)


def command_user(args: argparse.Namespace, permission: Permission = Permission.READ) -> CommandUser:
    """Sign in the ``--user`` of this command; AuthenticationError/AccessDenied end the command."""
    from workstation.security.station import StationSecurity

    security = StationSecurity.open()
    if security.settings.confidential.attributes:
        from workstation.archive import Archive

        with Archive.open_default() as archive:
            security.policy.apply_header_rules(archive)
    if security.single_user:
        log.info("single-user station (no user accounts): %s runs without a login", getpass.getuser())
        return CommandUser(security, None)
    name = getattr(args, "user", None)
    if not name:
        raise AuthenticationError("This station has user accounts: add --user NAME (the password comes from "
                                  f"{PASSWORD_VARIABLE} or a prompt).")
    from workstation.security.authentication import authenticate  # with LDAP support: only once accounts exist

    user = authenticate(security.users, security.settings, security.trail, name, read_password())
    if not user.may(permission):
        raise AccessDenied(f"{user.name} ({user.role.value}) may not {permission.value}.")
    return CommandUser(security, user)


def station_administrator() -> User:
    """The operating-system account, as the audit trail names it, on a station with no accounts yet."""
    from workstation.security.users import User

    return User(f"os:{getpass.getuser()}", Role.ADMINISTRATOR, directory="os")
