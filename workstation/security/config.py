"""This station's security settings (``<WORKSTATION_HOME>/security.json``), all optional.

``{"idle_lock_minutes": 10,
   "ldap": {"url": "ldaps://dc.example.org", "search_base": "dc=example,dc=org", "bind_dn": "...", ...},
   "confidential": {"attributes": {"ConfidentialityCode": ["V", "R"]}, "keywords": ["VIP"], "hl7_vip": ["Y", "V"]},
   "syslog": {"host": "collector", "port": 6514, "ca_file": "/etc/ssl/ca.pem"},
   "audit_source_id": "READING-1", "require_encrypted_cache": false}``
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from workstation.security.errors import SecurityError
from workstation.security.roles import Role
from workstation.settings.home import workstation_home

log = logging.getLogger(__name__)
FILE_NAME = "security.json"


@dataclass(frozen=True)
class LdapSettings:
    """How a directory (LDAP / Active Directory) account is checked; the README's LDAP section explains each key.

    Either ``user_dn`` (a DN template with ``{user}``: bind as that DN) or ``search_base`` (a service account,
    ``bind_dn``, searches the account with ``search_filter``, then the user's DN is bound with the password).
    With ``group_roles`` or ``default_role`` the directory decides the workstation role at each login.
    """

    url: str
    user_dn: str = ""
    timeout_s: int = 5  # whole seconds: for the connection, and for each answer
    search_base: str = ""
    search_filter: str = "(&(objectClass=person)(uid={user}))"
    bind_dn: str = ""
    bind_password: str = field(default="", repr=False)
    bind_password_file: str = ""
    start_tls: bool = False
    ca_file: str = ""
    group_roles: dict[str, Role] = field(default_factory=dict)  # group DN -> role; the first listed group wins
    group_search_base: str = ""
    group_filter: str = "(|(member={dn})(uniqueMember={dn}))"
    default_role: Role | None = None

    @property
    def provisions_users(self) -> bool:
        """True when directory accounts need no local record beforehand: the directory gives the role."""
        return bool(self.group_roles) or self.default_role is not None

    def role_for(self, groups: Iterable[str]) -> Role | None:
        """The role of the first configured group among ``groups`` (DNs), else ``default_role``."""
        from ldap3.core.exceptions import LDAPInvalidDnError  # ldap3 only where LDAP is used (~0.03 s to import)

        member_of = set()
        for group in groups:
            try:
                member_of.add(_dn_key(group))
            except LDAPInvalidDnError:
                log.warning("directory group %r is not a DN that can be compared; ignored for the role", group)
        for group, role in self.group_roles.items():
            if _dn_key(group) in member_of:
                return role
        return self.default_role


def _dn_key(dn: str) -> tuple[tuple[str, str], ...]:
    """A DN compared as LDAP does: attribute names and (for the usual string attributes) values ignore case."""
    from ldap3.utils.dn import parse_dn

    return tuple((name.lower(), value.strip().lower()) for name, value, _ in parse_dn(dn, strip=True))


def _ldap_settings(data: dict) -> LdapSettings:
    """The ``ldap`` object of security.json, checked so that a typo fails at start, not at the first login."""
    from ldap3.core.exceptions import LDAPInvalidDnError

    data = dict(data)
    group_roles = {str(group): Role.parse(role) for group, role in data.pop("group_roles", {}).items()}
    default_role = data.pop("default_role", None)
    default_role = Role.parse(default_role) if default_role else None
    timeout_s = data.pop("timeout_s", 5)
    if not isinstance(timeout_s, (int, float)) or timeout_s != int(timeout_s) or timeout_s < 1:
        raise ValueError(f"ldap.timeout_s must be a whole number of seconds, 1 or more (not {timeout_s!r})")
    settings = LdapSettings(**data, timeout_s=int(timeout_s), group_roles=group_roles, default_role=default_role)
    scheme = settings.url.split("://", 1)[0].lower()
    if scheme not in ("ldap", "ldaps"):
        raise ValueError(f"ldap.url {settings.url!r} must start with ldap:// or ldaps://")
    if bool(settings.user_dn) == bool(settings.search_base):
        raise ValueError("ldap needs exactly one of user_dn (a DN template) or search_base (search, then bind)")
    if settings.user_dn and "{user}" not in settings.user_dn:
        raise ValueError("ldap.user_dn must contain {user}")
    if settings.search_base and "{user}" not in settings.search_filter:
        raise ValueError("ldap.search_filter must contain {user}")
    if settings.group_roles and not (settings.group_search_base or settings.search_base):
        raise ValueError("ldap.group_roles needs group_search_base (where the groups are)")
    if settings.group_roles and "{dn}" not in settings.group_filter:
        raise ValueError("ldap.group_filter must contain {dn}")
    if settings.bind_password and settings.bind_password_file:
        raise ValueError("ldap has both bind_password and bind_password_file; keep one (the file)")
    if settings.start_tls and scheme == "ldaps":
        raise ValueError("ldap.start_tls is for ldap:// URLs; ldaps:// is encrypted already")
    try:
        for group in settings.group_roles:
            _dn_key(group)
    except LDAPInvalidDnError as error:
        raise ValueError(f"ldap.group_roles has a key that is not a DN ({error})") from error
    if scheme == "ldap" and not settings.start_tls:
        log.warning("LDAP logins to %s are not encrypted (no ldaps:// nor start_tls): passwords cross the network "
                    "in clear", settings.url)
    return settings


@dataclass(frozen=True)
class SyslogSettings:
    host: str
    port: int = 6514
    ca_file: str = ""
    client_certificate: str = ""
    client_key: str = ""


@dataclass(frozen=True)
class ConfidentialityRules:
    """What makes the RIS/PACS's exam confidential: header attribute values, keywords, the HL7 VIP flag."""

    attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    keywords: tuple[str, ...] = ()
    hl7_vip: tuple[str, ...] = ("Y", "V")


@dataclass(frozen=True)
class SecuritySettings:
    idle_lock_minutes: float = 10.0
    ldap: LdapSettings | None = None
    syslog: SyslogSettings | None = None
    confidential: ConfidentialityRules = ConfidentialityRules()
    audit_source_id: str = "WORKSTATION"
    require_encrypted_cache: bool = False  # the window refuses to start when the archive's volume is not encrypted


def security_settings_path(home: Path | None = None) -> Path:
    return (home or workstation_home()) / FILE_NAME


def load_security_settings(path: Path | None = None) -> SecuritySettings:
    path = path or security_settings_path()
    if not path.is_file():
        return SecuritySettings()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        confidential = data.get("confidential", {})
        return SecuritySettings(
            idle_lock_minutes=float(data.get("idle_lock_minutes", 10.0)),
            ldap=_ldap_settings(data["ldap"]) if data.get("ldap") else None,
            syslog=SyslogSettings(**data["syslog"]) if data.get("syslog") else None,
            confidential=ConfidentialityRules(
                attributes={k: tuple(v) for k, v in confidential.get("attributes", {}).items()},
                keywords=tuple(confidential.get("keywords", ())),
                hl7_vip=tuple(confidential.get("hl7_vip", ("Y", "V")))),
            audit_source_id=str(data.get("audit_source_id", "WORKSTATION")),
            require_encrypted_cache=bool(data.get("require_encrypted_cache", False)),
        )
    except (OSError, ValueError, TypeError, KeyError, AttributeError, SecurityError) as error:
        log.error("cannot read %s: %s", path, error)
        raise SecurityError(f"The security settings {path} cannot be read ({error}); fix or remove the file.") from error
