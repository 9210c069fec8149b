"""Logging in through an LDAP directory: a real OpenLDAP (slapd) on loopback, set up like a hospital's.

Direct bind and search-then-bind with a service account, roles from directory groups, ldaps:// and
StartTLS with certificate checks, and a directory that never answers.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tests.net.conftest import make_certificate_authority, make_server_certificate
from tests.security.slapd_server import (
    SERVICE_DN,
    SERVICE_PASSWORD,
    SUFFIX,
    USER_DN,
    SlapdServer,
)
from workstation.security.authentication import authenticate
from workstation.security.config import (
    LdapSettings,
    SecuritySettings,
    load_security_settings,
    security_settings_path,
)
from workstation.security.errors import AuthenticationError, SecurityError
from workstation.security.ldap_bind import directory_login
from workstation.security.roles import Role
from workstation.security.station import StationSecurity
from workstation.security.users import LDAP

WRONG = "Wrong user name or password"


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict[str, Path]:
    """The hospital's CA with the directory's certificate for 127.0.0.1, and a CA that signed nothing of it."""
    folder = tmp_path_factory.mktemp("pki")
    ca = make_certificate_authority(folder, "hospital")
    certificate, key = make_server_certificate(folder, ca, "slapd")
    foreign_ca, _ = make_certificate_authority(folder / "foreign", "foreign")
    return {"ca": ca[0], "certificate": certificate, "key": key, "foreign_ca": foreign_ca}


@pytest.fixture(scope="module")
def directory(tmp_path_factory, pki):
    """A TLS-capable slapd: dana in ou=people (radiologists), erik in ou=radiology,ou=people (radiologists and
    residents), fiona in residents, gus in no group, and two different people with the login "sam" in two units."""
    with SlapdServer(tmp_path_factory.mktemp("slapd") / "slapd", tls=(pki["certificate"], pki["key"])) as server:
        radiology = server.add_unit("radiology", f"ou=people,{SUFFIX}")
        server.people = {"dana": server.add_person("dana", "dana-pw"),
                         "erik": server.add_person("erik", "erik-pw", radiology),
                         "fiona": server.add_person("fiona", "fiona-pw"),
                         "gus": server.add_person("gus", "gus-pw")}
        server.add_person("sam", "sam-pw")
        server.add_person("sam", "sam-pw", radiology)
        server.groups = {"radiologists": server.add_group("radiologists", [server.people["dana"],
                                                                                server.people["erik"]]),
                         "residents": server.add_group("residents", [server.people["erik"], server.people["fiona"]])}
        yield server


def search_settings(url: str, **changes) -> LdapSettings:
    """Search-then-bind as an Active Directory deployment does it: service account, whole-tree search."""
    return replace(LdapSettings(url, search_base=SUFFIX, bind_dn=SERVICE_DN, bind_password=SERVICE_PASSWORD,
                                timeout_s=3), **changes)


def log_since(server: SlapdServer, start: int) -> str:
    return server.log()[start:]


def test_a_directory_account_logs_in_with_its_ldap_password(security, tmp_path):
    with SlapdServer(tmp_path / "slapd") as server:
        server.add_person("dana", "directory-pw")
        security.users.add("dana", Role.RADIOLOGIST, None, directory=LDAP)
        settings = SecuritySettings(ldap=LdapSettings(server.url, USER_DN, timeout_s=3))
        user = authenticate(security.users, settings, security.trail, "dana", "directory-pw")
        assert user.name == "dana" and user.directory == LDAP
        for wrong in ("nope", ""):  # an empty password must not pass as an anonymous bind
            with pytest.raises(AuthenticationError, match=WRONG):
                authenticate(security.users, settings, security.trail, "dana", wrong)
        start = len(server.log())
        with pytest.raises(AuthenticationError, match="would not start TLS .* no password was sent"):
            authenticate(security.users, SecuritySettings(ldap=LdapSettings(server.url, USER_DN, start_tls=True)),
                         security.trail, "dana", "directory-pw")
        time.sleep(0.2)  # slapd writes its log from its own threads
        assert " BIND " not in log_since(server, start)  # no plaintext fallback
        url = server.url
    with pytest.raises(AuthenticationError, match="cannot be reached"):
        authenticate(security.users, SecuritySettings(ldap=LdapSettings(url, USER_DN, timeout_s=1)),
                     security.trail, "dana", "directory-pw")
    records = list(security.trail.log.records())
    assert [r["event"] for r in records] == ["login", "login failed", "login failed", "login failed", "login failed"]


def test_search_then_bind_finds_accounts_in_any_unit_with_the_service_account(security, directory):
    security.users.add("erik", Role.RADIOLOGIST, None, directory=LDAP)
    settings = SecuritySettings(ldap=search_settings(directory.url))
    start = len(directory.log())
    user = authenticate(security.users, settings, security.trail, "erik", "erik-pw")
    assert (user.name, user.role, user.directory) == ("erik", Role.RADIOLOGIST, LDAP)
    seen = log_since(directory, start)
    # the service account searched, then erik's own DN (found in a sub-unit) was bound with his password
    assert seen.index(f'BIND dn="{SERVICE_DN}"') < seen.index('filter="(&(objectClass=person)(uid=erik))"') \
        < seen.index(f'BIND dn="{directory.people["erik"]}"')
    with pytest.raises(AuthenticationError, match=WRONG):
        authenticate(security.users, settings, security.trail, "erik", "dana-pw")
    # without roles from the directory, a directory account needs a local record made by an administrator
    with pytest.raises(AuthenticationError, match=WRONG):
        authenticate(security.users, settings, security.trail, "dana", "dana-pw")
    assert security.users.find("dana") is None


def test_login_names_are_escaped_in_the_search_filter(directory):
    settings = search_settings(directory.url)
    assert directory_login(settings, "dana", "dana-pw").dn == directory.people["dana"]
    start = len(directory.log())
    for name in ("*", "d*", "dana)(uid=*"):  # unescaped, each would match dana's entry
        assert directory_login(settings, name, "dana-pw") is None
    seen = log_since(directory, start)
    assert "(uid=\\2A)" in seen and "(uid=d\\2A)" in seen and "(uid=dana\\29\\28uid=\\2A)" in seen
    assert "BIND dn=\"uid=dana" not in seen


def test_no_match_or_several_matches_are_refused_like_a_wrong_password(security, directory, caplog):
    settings = SecuritySettings(ldap=search_settings(directory.url, default_role=Role.CLINICIAN))
    caplog.set_level(logging.WARNING)
    for name, password in (("sam", "sam-pw"), ("nobody", "sam-pw")):
        with pytest.raises(AuthenticationError) as refused:
            authenticate(security.users, settings, security.trail, name, password)
        assert str(refused.value) == "Wrong user name or password; try again."  # no hint that "sam" exists twice
    assert "LDAP search for login 'sam' under dc=example,dc=org found 2 entries" in caplog.text
    assert "found 0 entries" in caplog.text
    assert security.users.find("sam") is None
    assert [r["event"] for r in security.trail.log.records()] == ["login failed", "login failed"]


def test_the_service_password_comes_from_a_file_only_the_workstation_may_read(directory, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    secret = tmp_path / "ldap-service.secret"
    secret.write_text(SERVICE_PASSWORD + "\n")
    secret.chmod(0o600)
    settings = search_settings(directory.url, bind_password="", bind_password_file=str(secret))
    assert directory_login(settings, "dana", "dana-pw").dn == directory.people["dana"]
    secret.chmod(0o644)
    with pytest.raises(AuthenticationError, match="may be read by other accounts.*chmod 600"):
        directory_login(settings, "dana", "dana-pw")
    secret.chmod(0o600)
    secret.write_text("not-the-service-password")
    with pytest.raises(AuthenticationError, match="refused this workstation's service account"):
        directory_login(settings, "dana", "dana-pw")
    with pytest.raises(AuthenticationError, match="cannot be read"):
        directory_login(replace(settings, bind_password_file=str(tmp_path / "missing")), "dana", "dana-pw")
    logged = caplog.text + repr(settings) + repr(search_settings(directory.url))
    assert SERVICE_PASSWORD not in logged and "not-the-service-password" not in logged and "dana-pw" not in logged


def test_roles_come_from_directory_groups_and_follow_them(security, directory, workstation_home):
    groups = directory.groups
    ldap = search_settings(directory.url, group_roles={
        groups["radiologists"].upper().replace(",", ", "): Role.RADIOLOGIST,  # DNs compare as LDAP compares them
        groups["residents"]: Role.RESIDENT})
    settings = SecuritySettings(ldap=ldap)
    # first login: the local record is made, with the role of the first listed group erik is in
    erik = authenticate(security.users, settings, security.trail, "erik", "erik-pw")
    assert (erik.role, erik.directory) == (Role.RADIOLOGIST, LDAP)
    assert security.users.find("erik").role == Role.RADIOLOGIST
    assert authenticate(security.users, settings, security.trail, "ERIK", "erik-pw").name == "erik"  # one record
    assert [user.name for user in security.users.users()] == ["erik"]
    assert authenticate(security.users, settings, security.trail, "fiona", "fiona-pw").role == Role.RESIDENT
    # IT moves erik out of the radiologists: his next login has the resident role, and so has his record
    directory.remove_member(groups["radiologists"], directory.people["erik"])
    assert authenticate(security.users, settings, security.trail, "erik", "erik-pw").role == Role.RESIDENT
    assert security.users.find("erik").role == Role.RESIDENT
    # gus is in no mapped group: refused after a correct password, unless the site gives a default role
    with pytest.raises(AuthenticationError, match="none of the directory groups that may use this workstation"):
        authenticate(security.users, settings, security.trail, "gus", "gus-pw")
    assert security.users.find("gus") is None
    with_default = SecuritySettings(ldap=replace(ldap, default_role=Role.CLINICIAN))
    assert authenticate(security.users, with_default, security.trail, "gus", "gus-pw").role == Role.CLINICIAN
    # an administrator can still disable a directory account on this station
    security.users.set_disabled("gus")
    with pytest.raises(AuthenticationError, match="disabled"):
        authenticate(security.users, with_default, security.trail, "gus", "gus-pw")
    details = [r.get("detail", "") for r in security.trail.log.records() if r["event"] == "login failed"]
    assert details == ["no workstation role in the directory", "account disabled"]
    role_changes = [r.get("detail", "") for r in security.trail.log.records() if r["event"] == "security roles changed"]
    assert role_changes == ["directory user erik added as radiologist (directory groups)",
                            "directory user fiona added as resident (directory groups)",
                            "directory user erik: role radiologist -> resident (directory groups)",
                            "directory user gus added as clinician (directory groups)"]


def test_a_station_whose_directory_gives_roles_asks_for_a_login_before_any_local_account(workstation_home):
    security_settings_path().write_text(json.dumps({"ldap": {
        "url": "ldaps://dc.example.org", "search_base": SUFFIX, "bind_dn": SERVICE_DN,
        "bind_password_file": "/etc/workstation/ldap.secret", "ca_file": "/etc/ssl/hospital-ca.pem",
        "group_roles": {"cn=radiologists,ou=groups,dc=example,dc=org": "Radiologist"}}}))
    security = StationSecurity.open()
    assert not security.users.any_users() and not security.single_user
    assert security.settings.ldap.group_roles == {"cn=radiologists,ou=groups,dc=example,dc=org": Role.RADIOLOGIST}
    security_settings_path().write_text(json.dumps({"ldap": {"url": "ldap://dc", "user_dn": "uid={user},dc=x"}}))
    assert StationSecurity.open().single_user  # no roles from the directory: accounts are made by hand


def test_the_readmes_active_directory_example_loads_as_written(workstation_home):
    readme = (Path(__file__).parents[2] / "workstation" / "security" / "README.md").read_text(encoding="utf-8")
    example = readme.split("Active Directory example", 1)[1].split("```json\n", 1)[1].split("```", 1)[0]
    security_settings_path().write_text(example)
    ldap = load_security_settings().ldap
    assert ldap.url.startswith("ldaps://") and ldap.search_base and ldap.bind_password_file and ldap.ca_file
    assert ldap.role_for(["cn=pacs-residents,ou=groups,dc=hospital,dc=local"]) == Role.RESIDENT
    assert ldap.role_for(["CN=Domain Users,CN=Users,DC=hospital,DC=local"]) is None and ldap.provisions_users
    assert ldap.role_for(["not a dn", "CN=PACS-Radiologists, OU=Groups,DC=hospital,DC=local"]) == Role.RADIOLOGIST


@pytest.mark.parametrize("ldap, problem", [
    ({"url": "ldap://dc", "user_dn": "uid={user},dc=x", "search_base": "dc=x"}, "exactly one of user_dn"),
    ({"url": "ldap://dc"}, "exactly one of user_dn"),
    ({"url": "dc.example.org", "user_dn": "uid={user},dc=x"}, "ldap:// or ldaps://"),
    ({"url": "ldap://dc", "search_base": "dc=x", "search_filter": "(uid=dana)"}, "must contain {user}"),
    ({"url": "ldaps://dc", "user_dn": "uid={user},dc=x", "start_tls": True}, "start_tls is for ldap://"),
    ({"url": "ldap://dc", "search_base": "dc=x", "group_roles": {"cn=x,dc=x": "wizard"}}, "Unknown role 'wizard'"),
    ({"url": "ldap://dc", "search_base": "dc=x", "group_roles": {"not a dn": "resident"}}, "not a DN"),
    ({"url": "ldap://dc", "user_dn": "uid={user},dc=x", "group_roles": {"cn=x,dc=x": "resident"}},
     "needs group_search_base"),
    ({"url": "ldap://dc", "search_base": "dc=x", "bind_password": "a", "bind_password_file": "/b"}, "keep one"),
    ({"url": "ldap://dc", "search_base": "dc=x", "timeout_s": 0.5}, "timeout_s must be a whole number"),
])
def test_ldap_settings_mistakes_are_named_when_the_settings_load(workstation_home, ldap, problem):
    security_settings_path().write_text(json.dumps({"ldap": ldap}))
    with pytest.raises(SecurityError, match="security.json cannot be read") as error:
        load_security_settings()
    assert problem in str(error.value)


def test_plaintext_ldap_is_allowed_but_logged_as_unencrypted(workstation_home, caplog):
    security_settings_path().write_text(json.dumps({"ldap": {"url": "ldap://dc", "user_dn": "uid={user},dc=x"}}))
    with caplog.at_level(logging.WARNING):
        load_security_settings()
    assert "passwords cross the network in clear" in caplog.text


def test_ldaps_and_start_tls_log_in_with_a_verified_certificate(security, directory, pki):
    settings = SecuritySettings(ldap=search_settings(directory.url, start_tls=True, ca_file=str(pki["ca"]),
                                                     default_role=Role.CLINICIAN))
    for ldap in (settings.ldap, replace(settings.ldap, url=directory.ldaps_url, start_tls=False)):
        start = len(directory.log())
        user = authenticate(security.users, SecuritySettings(ldap=ldap), security.trail, "dana", "dana-pw")
        assert user.role == Role.CLINICIAN
        seen = log_since(directory, start)
        assert "TLS established" in seen and 'mech=SIMPLE bind_ssf=0 ssf=256' in seen  # every bind was encrypted
        assert seen.index("TLS established") < seen.index(f'BIND dn="{SERVICE_DN}"')


@pytest.mark.parametrize("scheme", ["start_tls", "ldaps"])
def test_an_unverified_certificate_refuses_the_login_without_falling_back_to_plaintext(security, directory, pki,
                                                                                       scheme):
    url = directory.ldaps_url if scheme == "ldaps" else directory.url
    good = search_settings(url, start_tls=scheme == "start_tls", ca_file=str(pki["ca"]), default_role=Role.CLINICIAN)
    wrong_ca = replace(good, ca_file=str(pki["foreign_ca"]))
    wrong_host = replace(good, url=url.replace("127.0.0.1", "localhost"))  # the certificate names 127.0.0.1 only
    for ldap in (wrong_ca, wrong_host):
        start = len(directory.log())
        with pytest.raises(AuthenticationError, match="could not be verified .* no password was sent"):
            authenticate(security.users, SecuritySettings(ldap=ldap), security.trail, "dana", "dana-pw")
        time.sleep(0.2)  # slapd writes its log from its own threads
        assert " BIND " not in log_since(directory, start)
    assert security.users.find("dana") is None
    assert [r.get("detail") for r in security.trail.log.records()] == ["directory unavailable"] * 2


@pytest.fixture
def silent_directory():
    """A server that accepts TCP connections (the kernel completes them) but never says a word."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield listener.getsockname()[1]


@pytest.mark.parametrize("scheme, start_tls", [("ldap", False), ("ldap", True), ("ldaps", False)])
def test_a_directory_that_never_answers_fails_the_login_within_the_timeout(security, silent_directory, scheme,
                                                                           start_tls):
    ldap = search_settings(f"{scheme}://127.0.0.1:{silent_directory}", start_tls=start_tls, timeout_s=1,
                           default_role=Role.CLINICIAN)
    began = time.monotonic()
    with pytest.raises(AuthenticationError, match=r"did not answer within 1 s; try again, or ask IT"):
        authenticate(security.users, SecuritySettings(ldap=ldap), security.trail, "dana", "dana-pw")
    assert 0.9 < time.monotonic() - began < 2.5
    assert [r.get("detail") for r in security.trail.log.records()] == ["directory unavailable"]
