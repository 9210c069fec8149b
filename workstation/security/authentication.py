"""Checking who is at the station: a local Argon2 hash or the LDAP directory; every try is audited.

A local account is always checked locally. A directory account either has a local record made by an
administrator (``user add NAME --ldap --role ROLE``, role kept here), or, when the LDAP settings give roles
(``group_roles`` / ``default_role``), gets its record on first login and its role from the directory at
every login (its local name is the login in lower case); a directory user in no mapped group, with no
default role, is refused.
"""

from __future__ import annotations

import logging
from typing import NoReturn

from workstation.security.audit.messages import SECURITY_ROLES_CHANGED
from workstation.security.audit.trail import AuditTrail
from workstation.security.config import LdapSettings, SecuritySettings
from workstation.security.errors import AuthenticationError, SecurityError
from workstation.security.ldap_bind import directory_login
from workstation.security.passwords import verify_password
from workstation.security.roles import Role
from workstation.security.users import LDAP, User, UserDirectory

log = logging.getLogger(__name__)
WRONG = "Wrong user name or password; try again."


def authenticate(directory: UserDirectory, settings: SecuritySettings, trail: AuditTrail,
                 name: str, password: str) -> User:
    """The user, or AuthenticationError with one message for unknown names and wrong passwords alike."""
    user = directory.find(name)
    ldap = settings.ldap
    if user is None and ldap is not None and ldap.provisions_users:
        name = name.lower()  # directory logins ignore case (uid, sAMAccountName): one local record per person
        user = directory.find(name)
    if user is not None and user.disabled:
        _refuse(trail, name, "account disabled", f"The account {name} is disabled; ask an administrator.")
    if user is not None and user.directory != LDAP:
        if not verify_password(directory.password_hash(name), password):
            _refuse(trail, name, "wrong name or password", WRONG)
    elif ldap is None:
        if user is not None:
            _refuse(trail, name, "no LDAP server configured", f"{name} signs in through the directory (LDAP), but "
                    "this station has no LDAP server configured (security.json).")
        _refuse(trail, name, "wrong name or password", WRONG)
    elif user is None and not ldap.provisions_users:
        _refuse(trail, name, "wrong name or password", WRONG)
    else:
        user = _directory_user(directory, ldap, trail, name, password, user)
    trail.record(trail.messages.user_authentication(name, login=True, success=True))
    return user


def _directory_user(directory: UserDirectory, ldap: LdapSettings, trail: AuditTrail, name: str, password: str,
                    user: User | None) -> User:
    """Ask the directory; with directory roles, make or update the local record to match it."""
    try:
        account = directory_login(ldap, name, password)
    except AuthenticationError as error:
        _refuse(trail, name, "directory unavailable", str(error))
    if account is None:
        _refuse(trail, name, "wrong name or password", WRONG)
    if not ldap.provisions_users:
        return user
    role = ldap.role_for(account.groups)
    if role is None:
        _refuse(trail, name, "no workstation role in the directory", "You are in none of the directory groups that "
                "may use this workstation; ask IT to add you to one.")
    try:
        return _record(directory, trail, name, role, user)
    except SecurityError as error:
        _refuse(trail, name, "no local record", str(error))


def _record(directory: UserDirectory, trail: AuditTrail, name: str, role: Role, user: User | None) -> User:
    """The local record follows the directory; a new account or a changed role is a Security Roles Changed event."""
    if user is None:
        change = f"directory user {name} added as {role.value} (directory groups)"
        added = directory.add(name, role, None, directory=LDAP)
    elif user.role != role:
        change = f"directory user {name}: role {user.role.value} -> {role.value} (directory groups)"
        directory.set_role(name, role)
        added = User(name, role, LDAP)
    else:
        return User(name, role, LDAP)
    log.info("%s", change)
    trail.record(trail.messages.security_alert(name, SECURITY_ROLES_CHANGED, change))
    return added


def _refuse(trail: AuditTrail, name: str, why: str, message: str) -> NoReturn:
    trail.record(trail.messages.user_authentication(name, login=True, success=False, detail=why))
    log.warning("login refused for %s (%s)", name, why)
    raise AuthenticationError(message)
