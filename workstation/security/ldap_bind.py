"""Checking a password by binding to an LDAP / Active Directory server as that user (ldap3)."""

from __future__ import annotations

import logging

from ldap3 import Connection, Server
from ldap3.core.exceptions import LDAPBindError, LDAPException, LDAPSocketOpenError
from ldap3.utils.dn import escape_rdn

from workstation.security.config import LdapSettings
from workstation.security.errors import AuthenticationError

log = logging.getLogger(__name__)


def ldap_bind(settings: LdapSettings, user: str, password: str) -> bool:
    """True when the directory accepts the password; AuthenticationError when it cannot be asked."""
    if not password:
        return False  # an empty password would be an anonymous bind that "succeeds"
    dn = settings.user_dn.format(user=escape_rdn(user))
    server = Server(settings.url, connect_timeout=settings.timeout_s)
    try:
        connection = Connection(server, user=dn, password=password, receive_timeout=settings.timeout_s)
        accepted = connection.bind()
        connection.unbind()
        return bool(accepted)
    except LDAPBindError:
        return False
    except (LDAPSocketOpenError, LDAPException) as error:
        log.error("LDAP bind to %s failed: %s", settings.url, error)
        raise AuthenticationError(f"The directory server {settings.url} cannot be reached ({error}); "
                                  "try again, or ask IT whether it is down.") from error
