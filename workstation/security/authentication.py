"""Checking who is at the station: a local Argon2 hash or an LDAP bind; every try is audited."""

from __future__ import annotations

import logging

from workstation.security.audit.trail import AuditTrail
from workstation.security.config import SecuritySettings
from workstation.security.errors import AuthenticationError
from workstation.security.ldap_bind import ldap_bind
from workstation.security.passwords import verify_password
from workstation.security.users import LDAP, User, UserDirectory

log = logging.getLogger(__name__)


def authenticate(directory: UserDirectory, settings: SecuritySettings, trail: AuditTrail,
                 name: str, password: str) -> User:
    """The user, or AuthenticationError with one message for unknown names and wrong passwords alike."""
    user = directory.find(name)
    accepted = False
    if user is not None and not user.disabled:
        if user.directory == LDAP:
            if settings.ldap is None:
                raise AuthenticationError(f"{name} signs in through the directory (LDAP), but this station has no "
                                          "LDAP server configured (security.json).")
            accepted = ldap_bind(settings.ldap, name, password)
        else:
            accepted = verify_password(directory.password_hash(name), password)
    if not accepted:
        why = "account disabled" if user is not None and user.disabled else "wrong name or password"
        trail.record(trail.messages.user_authentication(name, login=True, success=False, detail=why))
        log.warning("login refused for %s (%s)", name, why)
        if user is not None and user.disabled:
            raise AuthenticationError(f"The account {name} is disabled; ask an administrator.")
        raise AuthenticationError("Wrong user name or password; try again.")
    trail.record(trail.messages.user_authentication(name, login=True, success=True))
    return user
