"""Accounts of this station: name, role, a password hash (local) or 'ldap' (the directory checks it).

No users at all means a single-user station: nothing asks for a login (as before users existed).
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from dataclasses import dataclass

from workstation.security.errors import SecurityError
from workstation.security.passwords import hash_password
from workstation.security.roles import Permission, Role, may

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
LOCAL = "local"
LDAP = "ldap"


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    directory: str = LOCAL
    disabled: bool = False

    def may(self, permission: Permission) -> bool:
        return not self.disabled and may(self.role, permission)


class UserDirectory:
    """The users table; passwords are stored only as Argon2 hashes."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def any_users(self) -> bool:
        return self._db.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None

    def add(self, name: str, role: Role, password: str | None, directory: str = LOCAL) -> User:
        if not _NAME.match(name):
            raise SecurityError(f"{name!r} cannot be a user name: use 1-64 letters, digits, . _ @ -")
        if directory == LOCAL and not password:
            raise SecurityError("A local account needs a password (prompted, or WORKSTATION_PASSWORD).")
        if self.find(name) is not None:
            raise SecurityError(f"User {name!r} exists already.")
        self._db.execute("INSERT INTO users (name, role, password_hash, directory, created_at) VALUES (?,?,?,?,?)",
                         (name, role.value, hash_password(password) if directory == LOCAL else "", directory,
                          time.time()))
        self._db.commit()
        log.info("user %s added with role %s (%s)", name, role.value, directory)
        return User(name, role, directory)

    def set_disabled(self, name: str, disabled: bool = True) -> None:
        if self._db.execute("UPDATE users SET disabled=? WHERE name=?", (int(disabled), name)).rowcount == 0:
            raise SecurityError(f"No user {name!r}; `workstation user list` shows them.")
        self._db.commit()

    def set_role(self, name: str, role: Role) -> None:
        if self._db.execute("UPDATE users SET role=? WHERE name=?", (role.value, name)).rowcount == 0:
            raise SecurityError(f"No user {name!r}; `workstation user list` shows them.")
        self._db.commit()

    def set_password(self, name: str, password: str) -> None:
        if self._db.execute("UPDATE users SET password_hash=? WHERE name=? AND directory=?",
                            (hash_password(password), name, LOCAL)).rowcount == 0:
            raise SecurityError(f"No local user {name!r}.")
        self._db.commit()

    def find(self, name: str) -> User | None:
        row = self._db.execute("SELECT * FROM users WHERE name=?", (name,)).fetchone()
        return None if row is None else _user(row)

    def password_hash(self, name: str) -> str:
        row = self._db.execute("SELECT password_hash FROM users WHERE name=?", (name,)).fetchone()
        return row["password_hash"] if row else ""

    def users(self) -> list[User]:
        return [_user(row) for row in self._db.execute("SELECT * FROM users ORDER BY name")]


def _user(row: sqlite3.Row) -> User:
    return User(row["name"], Role(row["role"]), row["directory"], bool(row["disabled"]))
