"""security.json: the station's LDAP, syslog, idle time and confidentiality rules."""

from __future__ import annotations

import json

import pytest

from workstation.security.config import load_security_settings, security_settings_path
from workstation.security.errors import SecurityError


def test_settings_load_with_defaults_and_a_broken_file_says_which(workstation_home):
    assert load_security_settings().ldap is None and load_security_settings().idle_lock_minutes == 10
    security_settings_path().write_text(json.dumps({
        "idle_lock_minutes": 2, "ldap": {"url": "ldap://dc", "user_dn": "uid={user},dc=x"},
        "syslog": {"host": "collector", "ca_file": "/ca.pem"},
        "confidential": {"attributes": {"ConfidentialityCode": ["V"]}, "keywords": ["VIP"]}}))
    settings = load_security_settings()
    assert settings.idle_lock_minutes == 2 and settings.ldap.user_dn == "uid={user},dc=x"
    assert (settings.syslog.host, settings.syslog.port) == ("collector", 6514)
    assert settings.confidential.attributes == {"ConfidentialityCode": ("V",)}
    security_settings_path().write_text('{"ldap": {"server": "x"}}')
    with pytest.raises(SecurityError, match="security.json cannot be read"):
        load_security_settings()
