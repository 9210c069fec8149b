"""The station's security objects opened together (one database, one audit trail, the settings)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workstation.security.access import AccessPolicy
from workstation.security.audit.trail import AuditTrail
from workstation.security.config import SecuritySettings, load_security_settings
from workstation.security.database import open_security_database, security_database_path
from workstation.security.keywords import KeywordStore
from workstation.security.users import UserDirectory


@dataclass
class StationSecurity:
    settings: SecuritySettings
    users: UserDirectory
    policy: AccessPolicy
    keywords: KeywordStore
    trail: AuditTrail

    @classmethod
    def open(cls, home: Path | None = None, background_forwarding: bool = False) -> "StationSecurity":
        """``background_forwarding``: send to the syslog collector from a thread (the window does)."""
        settings = load_security_settings()
        connection = open_security_database(security_database_path(home))
        trail = AuditTrail(settings, background=background_forwarding)
        return cls(settings, UserDirectory(connection), AccessPolicy(connection, trail, settings.confidential),
                   KeywordStore(connection), trail)

    @property
    def single_user(self) -> bool:
        """No accounts and no directory that gives roles: nothing asks for a login and everything is visible
        (as before users existed)."""
        ldap = self.settings.ldap
        return not self.users.any_users() and not (ldap is not None and ldap.provisions_users)
