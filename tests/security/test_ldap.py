"""Logging in through an LDAP directory: a real OpenLDAP (slapd) on loopback."""

from __future__ import annotations

import pytest

from tests.security.slapd_server import USER_DN, SlapdServer
from workstation.security.authentication import authenticate
from workstation.security.config import LdapSettings, SecuritySettings
from workstation.security.errors import AuthenticationError
from workstation.security.roles import Role
from workstation.security.users import LDAP


def test_a_directory_account_logs_in_with_its_ldap_password(security, tmp_path):
    with SlapdServer(tmp_path / "slapd") as server:
        server.add_person("dana", "directory-pw")
        security.users.add("dana", Role.RADIOLOGIST, None, directory=LDAP)
        settings = SecuritySettings(ldap=LdapSettings(server.url, USER_DN, timeout_s=3))
        user = authenticate(security.users, settings, security.trail, "dana", "directory-pw")
        assert user.name == "dana" and user.directory == LDAP
        for wrong in ("nope", ""):  # an empty password must not pass as an anonymous bind
            with pytest.raises(AuthenticationError, match="Wrong user name or password"):
                authenticate(security.users, settings, security.trail, "dana", wrong)
        url = server.url
    with pytest.raises(AuthenticationError, match="cannot be reached"):
        authenticate(security.users, SecuritySettings(ldap=LdapSettings(url, USER_DN, timeout_s=1)),
                     security.trail, "dana", "directory-pw")
    assert [r["event"] for r in security.trail.log.records()] == ["login", "login failed", "login failed"]
