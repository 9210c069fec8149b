"""Where the signed-in user's profile files live: keymap, worklist filters, report macros, window presets.

Each account has its own folder, ``<WORKSTATION_HOME>/users/<name>/``, so radiologists who share one
operating-system login still keep their own keys, filters and macros. Before anyone signs in (a single-user
station, a command run without ``--user``) the station's own files in ``<WORKSTATION_HOME>`` are used. A file
the user has not made yet falls back to the station's, which itself sits on the shipped (site) defaults.
"""

from __future__ import annotations

import re
from pathlib import Path

from workstation.core.errors import WorkstationError
from workstation.settings.home import workstation_home

_signed_in = {"user": ""}


def user_folder_name(user: str) -> str:
    """A user name as a folder name: other characters than letters, digits, . _ - become _ ("Jo Smith" works),
    and so does a leading dot (any account name the station accepts, ".x" too, stays inside its parent and
    is not hidden); only an empty name is refused."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", user)
    name = re.sub(r"^\.", "_", name)
    if not name:
        raise WorkstationError("An empty user name cannot name a user's folder.")
    return name


def set_profile_user(user: str) -> None:
    """Whose profile the station uses from now on ("" = the station's own files)."""
    _signed_in["user"] = user


def profile_user() -> str:
    return _signed_in["user"]


def profile_folder(home: Path | None = None) -> Path:
    """The folder the signed-in user's profile files are written to."""
    home = home or workstation_home()
    user = profile_user()
    return home / "users" / user_folder_name(user) if user else home


def profile_file(name: str, home: Path | None = None) -> Path:
    """The profile file ``name`` to read: the user's own when there is one, else the station's."""
    home = home or workstation_home()
    own = profile_folder(home) / name
    return own if own.exists() else home / name
