"""Window presets per modality from resources/presets/window_presets.json (editable by the site), with the
user's own ``window_presets.json`` (their profile folder, else the station's) replacing a modality's list.

Keys 1-9 pick presets in file order; a modality the file does not list uses the presets in the image
header (WindowCenter/WindowWidth), which is what the modality's technologist chose.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from workstation.core.errors import WorkstationError
from workstation.core.resources import resource_path
from workstation.dicom.voi import WindowLevel
from workstation.settings.profile_folder import profile_file

log = logging.getLogger(__name__)

DEFAULT_PRESETS_PATH = resource_path("presets", "window_presets.json")
USER_PRESETS_FILE_NAME = "window_presets.json"


class WindowPresets:
    def __init__(self, by_modality: dict[str, list[WindowLevel]]) -> None:
        self._by_modality = by_modality

    @classmethod
    def load(cls, path: Path | None = None, user_path: Path | None = None) -> WindowPresets:
        """The shipped (site) presets, each modality the user's file lists replaced by the user's presets."""
        presets = cls._read(path or DEFAULT_PRESETS_PATH)
        user_path = user_path or profile_file(USER_PRESETS_FILE_NAME)
        if user_path.exists():
            presets._by_modality.update(cls._read(user_path)._by_modality)
        return presets

    @classmethod
    def _read(cls, path: Path) -> WindowPresets:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            by_modality = {
                modality.upper(): [WindowLevel(float(p["center"]), float(p["width"]), str(p["name"])) for p in items]
                for modality, items in raw.items()
                if not modality.startswith("_")
            }
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.error("window presets %s unreadable: %s", path, error)
            raise WorkstationError(
                f"The window presets file {path} could not be read ({error}). "
                "Fix it or restore the shipped one."
            ) from error
        bad = [f"{m} {p.name}" for m, items in by_modality.items() for p in items if p.width < 1]
        if bad:
            raise WorkstationError(f"The window presets file {path} has presets with a width below 1: {bad}.")
        return cls(by_modality)

    def for_modality(self, modality: str, header_windows: list[WindowLevel] | None = None) -> list[WindowLevel]:
        """The presets keys 1-9 select, in order."""
        return list(self._by_modality.get(modality.upper(), []) or header_windows or [])[:9]
