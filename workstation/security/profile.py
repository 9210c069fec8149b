"""A user's profile moved between stations: hanging protocols, keymap, window presets, worklist filters,
report macros. A profile is a ZIP of those files: the signed-in user's own (``settings.profile_folder``:
``<WORKSTATION_HOME>/users/<name>/``, else the station's files they start from) and their hanging protocols;
with nobody signed in, the station's files and every user's hanging protocols."""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path, PurePosixPath

from workstation.core.atomic_file import write_atomically
from workstation.security.errors import SecurityError
from workstation.settings.home import workstation_home
from workstation.settings.profile_folder import profile_file, profile_folder, profile_user, user_folder_name

log = logging.getLogger(__name__)

PROFILE_FILES = ("keymap.json", "worklist_filters.json", "report_macros.json", "window_presets.json")
PROFILE_FOLDERS = ("hanging_protocols/users",)


def profile_paths(home: Path | None = None) -> list[Path]:
    """The profile files that exist, as named in a profile ZIP (the hanging protocols relative to the home)."""
    home = home or workstation_home()
    found = [Path(name) for name in PROFILE_FILES if profile_file(name, home).is_file()]
    user = profile_user()
    folders = [f"{PROFILE_FOLDERS[0]}/{user_folder_name(user)}"] if user else PROFILE_FOLDERS
    for folder in folders:
        root = home / folder
        if root.is_dir():
            found += sorted(path.relative_to(home) for path in root.rglob("*") if path.is_file())
    return found


def _source(home: Path, name: Path) -> Path:
    return profile_file(name.as_posix(), home) if name.as_posix() in PROFILE_FILES else home / name


def export_profile(destination: Path, home: Path | None = None) -> list[Path]:
    home = home or workstation_home()
    paths = profile_paths(home)
    try:
        with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in paths:
                archive.write(_source(home, path), path.as_posix())
    except OSError as error:
        raise SecurityError(f"Cannot write the profile to {destination} ({error.strerror or error}).") from error
    log.info("profile exported: %d files", len(paths))
    return paths


def import_profile(source: Path, home: Path | None = None) -> list[Path]:
    """Unpack a profile over the signed-in user's files (the station's with nobody signed in); only the known
    profile files and folders are taken."""
    home = home or workstation_home()
    try:
        archive = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile) as error:
        raise SecurityError(f"{source} is not a workstation profile ({error}).") from error
    written = []
    with archive:
        for name in archive.namelist():
            path = PurePosixPath(name)
            allowed = name in PROFILE_FILES or any(
                name.startswith(folder + "/") for folder in PROFILE_FOLDERS)
            if not allowed or ".." in path.parts or path.is_absolute():
                log.warning("profile %s: ignored %s (not a profile file)", source, name)
                continue
            target = profile_folder(home) / name if name in PROFILE_FILES else home / Path(*path.parts)
            write_atomically(target, archive.read(name))
            written.append(Path(*path.parts))
    log.info("profile imported: %d files", len(written))
    return written
