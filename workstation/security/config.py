"""This station's security settings (``<WORKSTATION_HOME>/security.json``), all optional.

``{"idle_lock_minutes": 10,
   "ldap": {"url": "ldap://dc.example.org", "user_dn": "uid={user},ou=people,dc=example,dc=org"},
   "confidential": {"attributes": {"ConfidentialityCode": ["V", "R"]}, "keywords": ["VIP"], "hl7_vip": ["Y", "V"]},
   "syslog": {"host": "collector", "port": 6514, "ca_file": "/etc/ssl/ca.pem"},
   "audit_source_id": "READING-1", "require_encrypted_cache": false}``
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from workstation.security.errors import SecurityError
from workstation.settings.home import workstation_home

log = logging.getLogger(__name__)
FILE_NAME = "security.json"


@dataclass(frozen=True)
class LdapSettings:
    url: str
    user_dn: str  # a template with {user}
    timeout_s: float = 5.0


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
            ldap=LdapSettings(**data["ldap"]) if data.get("ldap") else None,
            syslog=SyslogSettings(**data["syslog"]) if data.get("syslog") else None,
            confidential=ConfidentialityRules(
                attributes={k: tuple(v) for k, v in confidential.get("attributes", {}).items()},
                keywords=tuple(confidential.get("keywords", ())),
                hl7_vip=tuple(confidential.get("hl7_vip", ("Y", "V")))),
            audit_source_id=str(data.get("audit_source_id", "WORKSTATION")),
            require_encrypted_cache=bool(data.get("require_encrypted_cache", False)),
        )
    except (OSError, ValueError, TypeError, KeyError) as error:
        log.error("cannot read %s: %s", path, error)
        raise SecurityError(f"The security settings {path} cannot be read ({error}); fix or remove the file.") from error
