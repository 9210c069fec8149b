"""Accounts, password hashes, roles and the login audit."""

from __future__ import annotations

import pytest

from workstation.security.authentication import authenticate
from workstation.security.errors import AuthenticationError, SecurityError
from workstation.security.roles import Permission, Role
from workstation.security.session import UserSession


def test_passwords_are_stored_as_salted_argon2_hashes(security, two_users):
    first = security.users.password_hash("alice")
    security.users.add("carol", Role.RADIOLOGIST, "alice-secret")
    assert first.startswith("$argon2id$") and "alice-secret" not in first
    assert security.users.password_hash("carol") != first  # same password, different salt


def test_login_accepts_the_right_password_and_audits_every_try(security, two_users):
    user = authenticate(security.users, security.settings, security.trail, "alice", "alice-secret")
    assert user.name == "alice" and user.role is Role.RADIOLOGIST
    with pytest.raises(AuthenticationError, match="Wrong user name or password"):
        authenticate(security.users, security.settings, security.trail, "alice", "guess")
    with pytest.raises(AuthenticationError, match="Wrong user name or password"):
        authenticate(security.users, security.settings, security.trail, "mallory", "x")
    events = [(r["event"], r["user"]) for r in security.trail.log.records()]
    assert events == [("login", "alice"), ("login failed", "alice"), ("login failed", "mallory")]


def test_a_disabled_account_cannot_log_in(security, two_users):
    security.users.set_disabled("bob")
    with pytest.raises(AuthenticationError, match="disabled"):
        authenticate(security.users, security.settings, security.trail, "bob", "bob-secret")


def test_role_table_decides_what_each_may_do(two_users):
    alice, bob = two_users
    assert alice.may(Permission.SIGN_FINAL) and not bob.may(Permission.SIGN_FINAL)
    assert bob.may(Permission.BREAK_THE_GLASS) and not bob.may(Permission.EXPORT)


def test_bad_names_and_duplicates_are_refused(security, two_users):
    with pytest.raises(SecurityError, match="cannot be a user name"):
        security.users.add("../x", Role.CLINICIAN, "pw")
    with pytest.raises(SecurityError, match="exists already"):
        security.users.add("alice", Role.CLINICIAN, "pw")
    with pytest.raises(SecurityError, match="unknown role|Unknown role"):
        Role.parse("janitor")


def test_the_session_locks_after_the_idle_time_and_unlocks(two_users):
    session = UserSession(two_users[0], idle_lock_s=60, last_activity=0.0)
    session.touch(30.0)
    assert not session.should_lock(80.0)
    assert session.should_lock(95.0)
    session.lock()
    session.touch(200.0)  # input behind the lock screen does not count
    assert session.locked and session.last_activity == 30.0
    session.unlock(300.0)
    assert not session.locked and not session.should_lock(310.0)
