"""Checking a password against an LDAP / Active Directory server (ldap3), the way hospitals deploy it.

Direct bind (a DN template) or search-then-bind (a service account finds the user's DN anywhere under a
base), over ldaps:// or StartTLS with the server certificate verified, never falling back to plaintext;
then, when roles come from the directory, the DNs of the groups the account is in.
"""

from __future__ import annotations

import logging
import math
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

from ldap3 import NONE, SIMPLE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import (
    LDAPCertificateError,
    LDAPException,
    LDAPResponseTimeoutError,
    LDAPStartTLSError,
)
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

from workstation.security.config import LdapSettings
from workstation.security.errors import AuthenticationError

log = logging.getLogger(__name__)

INVALID_CREDENTIALS = 49
SIZE_LIMIT_EXCEEDED = 4


@dataclass(frozen=True)
class DirectoryAccount:
    """An account whose password the directory accepted."""

    dn: str
    groups: tuple[str, ...] = ()  # DNs; looked up only when the settings map groups to roles


def directory_login(settings: LdapSettings, user: str, password: str) -> DirectoryAccount | None:
    """The account when the directory accepts ``password``; None for a wrong password or an unknown or
    ambiguous name; AuthenticationError when the directory cannot be asked (down, silent, untrusted
    certificate, service account refused, search misconfigured)."""
    if not password:
        return None  # an empty password would be an unauthenticated bind that "succeeds"
    connection = _open(settings)
    try:
        if settings.search_base:
            _bind_service_account(settings, connection)
            dn = _find_account(settings, connection, user)
            if dn is None:
                return None
        else:
            dn = settings.user_dn.format(user=escape_rdn(user))
        if not _bind(settings, connection, dn, password):
            return None
        if not settings.group_roles:
            return DirectoryAccount(dn)
        if settings.bind_dn:
            _bind_service_account(settings, connection)  # group membership is read as the service account
        return DirectoryAccount(dn, _groups_of(settings, connection, dn))
    except LDAPException as error:
        raise _cannot_ask(settings, error) from error
    finally:
        _close(connection)


def _open(settings: LdapSettings) -> Connection:
    """A connection, encrypted before anything is sent when the settings ask for TLS."""
    tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=settings.ca_file or None)
    server = Server(settings.url, connect_timeout=settings.timeout_s, tls=tls, get_info=NONE)
    receive_timeout = max(1, math.ceil(settings.timeout_s))  # ldap3 packs it as whole seconds (SO_RCVTIMEO)
    connection = Connection(server, authentication=SIMPLE, receive_timeout=receive_timeout, auto_referrals=False,
                            read_only=True)
    try:
        connection.open()
        if settings.start_tls and not connection.start_tls():
            raise LDAPStartTLSError("the server did not start TLS")
    except LDAPException as error:
        _close(connection)
        raise _cannot_ask(settings, error) from error
    return connection


def _bind(settings: LdapSettings, connection: Connection, dn: str, password: str) -> bool:
    """False for a wrong password (or unknown DN); AuthenticationError for any other refusal."""
    connection.user, connection.password = dn, password
    if connection.bind():
        return True
    if connection.result["result"] == INVALID_CREDENTIALS:
        return False
    log.error("LDAP bind to %s refused: %s", settings.url, connection.result["description"])
    raise AuthenticationError(f"The directory server {settings.url} refused the login "
                              f"({connection.result['description']}); ask IT.")


def _bind_service_account(settings: LdapSettings, connection: Connection) -> None:
    if not settings.bind_dn:
        return  # an anonymous search, where the directory allows it
    password = _service_password(settings)
    if not password:
        log.error("LDAP service account %s has no password configured", settings.bind_dn)
        raise AuthenticationError("This workstation's directory service account has no password; ask the "
                                  "administrator to set ldap.bind_password_file in security.json.")
    if not _bind(settings, connection, settings.bind_dn, password):
        log.error("LDAP service account %s refused by %s (invalid credentials)", settings.bind_dn, settings.url)
        raise AuthenticationError(f"The directory server {settings.url} refused this workstation's service "
                                  "account; ask IT to check ldap.bind_dn and its password in security.json.")


def _service_password(settings: LdapSettings) -> str:
    """The service account's password: from security.json, or a file only this account may read."""
    if not settings.bind_password_file:
        return settings.bind_password
    path = Path(settings.bind_password_file)
    try:
        if os.name == "posix" and path.stat().st_mode & 0o077:
            log.error("LDAP service password file %s is readable by other accounts; not used", path)
            raise AuthenticationError(f"The directory password file {path} may be read by other accounts; ask the "
                                      "administrator to make it readable by the workstation's account only "
                                      "(chmod 600).")
        return path.read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as error:
        log.error("cannot read the LDAP service password file %s: %s", path, error)
        raise AuthenticationError(f"The directory password file {path} cannot be read ({error.strerror}); ask "
                                  "the administrator.") from error


def _find_account(settings: LdapSettings, connection: Connection, user: str) -> str | None:
    """The DN of the one entry matching ``user``; None (and a log line) for none or several."""
    query = settings.search_filter.format(user=escape_filter_chars(user))
    _search(settings, connection, settings.search_base, query, size_limit=2)
    entries = _entry_dns(connection)
    if len(entries) != 1:
        log.warning("LDAP search for login %r under %s found %d entries; login refused", user,
                    settings.search_base, len(entries))
        return None
    return entries[0]


def _groups_of(settings: LdapSettings, connection: Connection, dn: str) -> tuple[str, ...]:
    base = settings.group_search_base or settings.search_base
    _search(settings, connection, base, settings.group_filter.format(dn=escape_filter_chars(dn)))
    return tuple(_entry_dns(connection))


def _search(settings: LdapSettings, connection: Connection, base: str, query: str, size_limit: int = 0) -> None:
    connection.search(base, query, SUBTREE, attributes=[], size_limit=size_limit)
    if connection.result["result"] not in (0, SIZE_LIMIT_EXCEEDED):
        log.error("LDAP search under %s with %s failed: %s", base, query, connection.result["description"])
        raise AuthenticationError(f"The directory search under {base} failed ({connection.result['description']}); "
                                  "ask IT to check the ldap settings (search_base, group_search_base, filters, "
                                  "service account) in security.json.")


def _entry_dns(connection: Connection) -> list[str]:
    """DNs of the entries found; referrals (Active Directory's other partitions) are not entries."""
    return [item["dn"] for item in connection.response or () if item.get("type") == "searchResEntry"]


def _cannot_ask(settings: LdapSettings, error: LDAPException) -> AuthenticationError:
    """The message for a directory that cannot be asked: untrusted certificate, silence, or no answer at all."""
    log.error("LDAP login through %s failed: %s", settings.url, error)
    text = str(error).lower()
    if isinstance(error, (TimeoutError, LDAPResponseTimeoutError)) or "timed out" in text:
        return AuthenticationError(f"The directory server {settings.url} did not answer within "
                                   f"{settings.timeout_s:g} s; try again, or ask IT whether it is down.")
    if isinstance(error, (ssl.CertificateError, LDAPCertificateError)) or "certificate" in text:
        return AuthenticationError(f"The directory server {settings.url} could not be verified (its TLS certificate "
                                   "is not signed by the configured CA, or names another host); no password was "
                                   "sent. Ask IT to check ldap.ca_file and the server's certificate.")
    if isinstance(error, LDAPStartTLSError):
        return AuthenticationError(f"The directory server {settings.url} would not start TLS ({error}); no password was "
                                   "sent. Ask IT whether it supports StartTLS, or use ldaps://.")
    return AuthenticationError(f"The directory server {settings.url} cannot be reached ({error}); try again, or "
                               "ask IT whether it is down.")


def _close(connection: Connection) -> None:
    try:
        connection.unbind()
    except LDAPException as error:
        log.debug("closing the LDAP connection: %s", error)
