"""Which screen shows what: image windows on the diagnostic screens, the study list on the console's main one.

A reading console has one to three screens; Qt reports each (name, geometry, primary). By default the
study list (and later worklist and report) stays on the primary screen and the images take the others,
side by side as one window when they are adjacent; with one screen everything shares it. Whatever the
reader arranges by hand is remembered per user and station for that set of screens
(``WORKSTATION_HOME/screen_arrangement.json``), and used again when the same screens are connected.
"""

from __future__ import annotations

import getpass
import json
import logging
import socket
from dataclasses import dataclass
from pathlib import Path

from workstation.core.atomic_file import write_text_atomically
from workstation.settings.home import workstation_home

log = logging.getLogger(__name__)

STUDY_LIST, IMAGES = "study_list", "images"
PANELS = (STUDY_LIST, IMAGES)
ARRANGEMENT_FILE_NAME = "screen_arrangement.json"


@dataclass(frozen=True)
class ScreenInfo:
    """One screen as the windowing system places it (virtual desktop pixels)."""

    name: str
    x: int
    y: int
    width: int
    height: int
    primary: bool = False

    def contains(self, x: float, y: float) -> bool:
        return self.x <= x < self.x + self.width and self.y <= y < self.y + self.height


Rect = tuple[int, int, int, int]  # x, y, width, height
Arrangement = dict[str, tuple[str, ...]]  # panel -> the names of the screens it covers


def screens_key(screens: list[ScreenInfo]) -> str:
    """The set of screens an arrangement was made for (names and geometry, in a stable order)."""
    return ";".join(f"{s.name}:{s.width}x{s.height}@{s.x},{s.y}" for s in sorted(screens, key=lambda s: (s.x, s.y)))


def default_arrangement(screens: list[ScreenInfo]) -> Arrangement:
    """Study list on the primary screen, images on all the others (left to right); one screen: both on it."""
    if not screens:
        raise ValueError("no screen")
    primary = next((s for s in screens if s.primary), screens[0])
    others = sorted((s for s in screens if s is not primary), key=lambda s: (s.x, s.y))
    return {STUDY_LIST: (primary.name,), IMAGES: tuple(s.name for s in others) or (primary.name,)}


def panel_geometry(screens: list[ScreenInfo], names: tuple[str, ...]) -> Rect:
    """The rectangle a panel's window takes: its screen, or the bounding box of several adjacent ones."""
    chosen = [s for s in screens if s.name in names]
    left, top = min(s.x for s in chosen), min(s.y for s in chosen)
    right, bottom = max(s.x + s.width for s in chosen), max(s.y + s.height for s in chosen)
    return left, top, right - left, bottom - top


def screens_under(screens: list[ScreenInfo], rect: Rect) -> tuple[str, ...]:
    """The screens a window covers at least half of (a window spread over two screens), else the one under
    its centre; empty when it is off every screen."""
    x, y, width, height = rect
    covered = []
    for screen in sorted(screens, key=lambda s: (s.x, s.y)):
        overlap_x = max(0, min(x + width, screen.x + screen.width) - max(x, screen.x))
        overlap_y = max(0, min(y + height, screen.y + screen.height) - max(y, screen.y))
        if overlap_x * overlap_y >= 0.5 * screen.width * screen.height:
            covered.append(screen.name)
    if covered:
        return tuple(covered)
    return tuple(s.name for s in screens if s.contains(x + width / 2, y + height / 2))[:1]


def user_and_station() -> tuple[str, str]:
    return getpass.getuser(), socket.gethostname()


class ScreenArrangementStore:
    """Remembered arrangements: user -> station -> screens key -> panel -> screen names."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or workstation_home() / ARRANGEMENT_FILE_NAME

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            log.warning("screen arrangement %s unreadable, using the default: %s", self.path, error)
            return {}

    def load(self, screens: list[ScreenInfo], user: str, station: str) -> Arrangement | None:
        saved = self._read().get(user, {}).get(station, {}).get(screens_key(screens))
        if not isinstance(saved, dict):
            return None
        names = {s.name for s in screens}
        arrangement = {panel: tuple(saved.get(panel) or ()) for panel in PANELS}
        if not all(arrangement[panel] and set(arrangement[panel]) <= names for panel in PANELS):
            return None
        return arrangement

    def save(self, screens: list[ScreenInfo], user: str, station: str, arrangement: Arrangement) -> None:
        """Atomic (temp file + rename): a crash never leaves half a settings file."""
        data = self._read()
        data.setdefault(user, {}).setdefault(station, {})[screens_key(screens)] = {
            panel: list(names) for panel, names in arrangement.items()}
        write_text_atomically(self.path, json.dumps(data, indent=2))


def arrange(screens: list[ScreenInfo], store: ScreenArrangementStore, user: str, station: str
            ) -> dict[str, Rect]:
    """Where each panel's window goes now: the remembered arrangement for these screens, else the default."""
    arrangement = store.load(screens, user, station) or default_arrangement(screens)
    return {panel: panel_geometry(screens, names) for panel, names in arrangement.items()}


def remember(screens: list[ScreenInfo], store: ScreenArrangementStore, user: str, station: str,
             window_rects: dict[str, Rect]) -> Arrangement | None:
    """Record where the reader left each panel's window (see ``screens_under``); None if one is off every
    screen (nothing is saved then)."""
    arrangement = {}
    for panel, rect in window_rects.items():
        names = screens_under(screens, rect)
        if not names:
            return None
        arrangement[panel] = names
    try:
        store.save(screens, user, station, arrangement)
    except OSError as error:
        log.warning("screen arrangement not saved to %s: %s", store.path, error)
        return None
    return arrangement
