"""A user's profile moved between stations: hanging protocols, keymap, window presets, worklist filters,
report macros. They are files under ``<WORKSTATION_HOME>``; a profile is a ZIP of those files."""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path, PurePosixPath

from workstation.core.atomic_file import write_atomically
from workstation.security.errors import SecurityError
from workstation.settings.home import workstation_home

log = logging.getLogger(__name__)

PROFILE_FILES = ("keymap.json", "worklist_filters.json", "report_macros.json", "window_presets.json")
PROFILE_FOLDERS = ("hanging_protocols/users",)


def profile_paths(home: Path | None = None) -> list[Path]:
    """The profile files that exist, relative to the home folder."""
    home = home or workstation_home()
    found = [Path(name) for name in PROFILE_FILES if (home / name).is_file()]
    for folder in PROFILE_FOLDERS:
        root = home / folder
        if root.is_dir():
            found += sorted(path.relative_to(home) for path in root.rglob("*") if path.is_file())
    return found


def export_profile(destination: Path, home: Path | None = None) -> list[Path]:
    home = home or workstation_home()
    paths = profile_paths(home)
    try:
        with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in paths:
                archive.write(home / path, path.as_posix())
    except OSError as error:
        raise SecurityError(f"Cannot write the profile to {destination} ({error.strerror or error}).") from error
    log.info("profile exported: %d files", len(paths))
    return paths


def import_profile(source: Path, home: Path | None = None) -> list[Path]:
    """Unpack a profile over this station's files; only the known profile files and folders are taken."""
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
            write_atomically(home / Path(*path.parts), archive.read(name))
            written.append(Path(*path.parts))
    log.info("profile imported: %d files", len(written))
    return written
