"""Where the shipped data files are: ``resources/`` and ``hanging_protocols/`` beside the package.

The same relative place holds in a source checkout, an editable install and the frozen build
(PyInstaller puts both folders next to the ``workstation`` package in its bundle).
"""

from __future__ import annotations

from pathlib import Path

import workstation

INSTALL_ROOT = Path(workstation.__file__).resolve().parent.parent


def resource_path(*parts: str) -> Path:
    """Path of a shipped resource, e.g. ``resource_path("presets", "window_presets.json")``."""
    return INSTALL_ROOT.joinpath("resources", *parts)


def shipped_hanging_protocols_folder() -> Path:
    return INSTALL_ROOT / "hanging_protocols"
