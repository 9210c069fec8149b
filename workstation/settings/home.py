"""Where all state of one user lives: settings, archive, logs.

One folder, chosen by the environment variable ``WORKSTATION_HOME`` (default: the platform's per-user
data folder), so tests and several users on one machine never mix.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

HOME_ENVIRONMENT_VARIABLE = "WORKSTATION_HOME"


def workstation_home() -> Path:
    """Return the state folder, creating it if needed."""
    configured = os.environ.get(HOME_ENVIRONMENT_VARIABLE)
    home = Path(configured) if configured else Path(platformdirs.user_data_dir("workstation", appauthor=False))
    home.mkdir(parents=True, exist_ok=True)
    return home


def archive_folder(home: Path | None = None) -> Path:
    return (home or workstation_home()) / "archive"


def log_folder(home: Path | None = None) -> Path:
    folder = (home or workstation_home()) / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
