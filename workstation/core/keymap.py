"""Keymap: which keys run which command. Defaults are a data file; each user's changes are saved apart.

Keys are written in Qt's portable text ("PgUp", "Ctrl+Z", "Shift+Tab", "?"), but this model never imports
Qt: the view turns a key press into that text and asks ``command_for``. The user file holds only the
commands whose keys differ from the defaults, so new defaults still reach users who changed other keys.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path

from workstation.core.atomic_file import write_text_atomically
from workstation.core.errors import WorkstationError
from workstation.core.resources import resource_path
from workstation.settings.profile_folder import profile_file, profile_folder

log = logging.getLogger(__name__)

DEFAULT_KEYMAP_PATH = resource_path("keymaps", "default.json")
USER_KEYMAP_FILE_NAME = "keymap.json"
_MODIFIER_ORDER = ("Ctrl", "Alt", "Shift", "Meta")


class KeymapError(WorkstationError):
    """A keymap file could not be read or written."""


def user_keymap_path() -> Path:
    """The keymap file read: the signed-in user's own, else the station's (settings.profile_folder)."""
    return profile_file(USER_KEYMAP_FILE_NAME)


def normalize_key(text: str) -> str:
    """One spelling per key: modifiers in Ctrl+Alt+Shift+Meta order, single letters upper case."""
    text = text.strip()
    if not text:
        raise ValueError("empty key")
    if text == "+":
        return text
    parts = text.split("+")
    if parts[-1] == "":  # "Ctrl++" is Ctrl and the plus key
        parts = parts[:-2] + ["+"]
    *modifiers, key = parts
    unknown = [m for m in modifiers if m.capitalize() not in _MODIFIER_ORDER]
    if unknown or not key:
        raise ValueError(f"{text!r} is not a key (unknown modifier {unknown[0]!r})" if unknown else f"{text!r}")
    ordered = [m for m in _MODIFIER_ORDER if m in {x.capitalize() for x in modifiers}]
    if len(key) == 1:
        key = key.upper()
    return "+".join([*ordered, key])


def _read_bindings(path: Path) -> dict[str, tuple[str, ...]]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KeymapError(f"Keymap file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise KeymapError(f"Keymap file {path} could not be read ({error}).") from error
    if not isinstance(raw, dict) or not all(
        isinstance(keys, list) and all(isinstance(k, str) for k in keys) for keys in raw.values()
    ):
        raise KeymapError(f"Keymap file {path} must map command ids to lists of keys, like {{\"a.b\": [\"X\"]}}.")
    try:
        return {command_id: tuple(normalize_key(k) for k in keys) for command_id, keys in raw.items()}
    except ValueError as error:
        raise KeymapError(f"Keymap file {path} names a key that does not exist: {error}.") from error


class Keymap:
    """Command id -> keys, with the reverse lookup the key handler needs."""

    def __init__(self, defaults: dict[str, tuple[str, ...]], overrides: dict[str, tuple[str, ...]] | None = None):
        self._defaults = dict(defaults)
        self._bindings: dict[str, tuple[str, ...]] = dict(defaults)
        self.problems: list[str] = []
        for command_id, keys in (overrides or {}).items():
            self.rebind(command_id, keys)

    @classmethod
    def load(cls, defaults_path: Path = DEFAULT_KEYMAP_PATH, user_path: Path | None = None) -> Keymap:
        """The shipped defaults plus the user's changes; a broken user file is reported, not fatal."""
        keymap = cls(_read_bindings(defaults_path))
        user_path = user_path or user_keymap_path()
        if user_path.exists():
            try:
                for command_id, keys in _read_bindings(user_path).items():
                    keymap.rebind(command_id, keys)
            except KeymapError as error:
                log.warning("ignoring the user keymap: %s", error)
                keymap.problems.append(f"{error} The default keys are used instead.")
        return keymap

    def copy(self) -> Keymap:
        """An independent copy with the same defaults, for a dialog that may be cancelled."""
        duplicate = Keymap(self._defaults)
        duplicate._bindings = dict(self._bindings)
        return duplicate

    def keys_for(self, command_id: str) -> tuple[str, ...]:
        return self._bindings.get(command_id, ())

    def command_for(self, key: str) -> str | None:
        key = normalize_key(key)
        for command_id, keys in self._bindings.items():
            if key in keys:
                return command_id
        return None

    def bindings(self) -> dict[str, tuple[str, ...]]:
        return dict(self._bindings)

    def rebind(self, command_id: str, keys: Iterable[str]) -> list[str]:
        """Give ``command_id`` these keys; a key taken from another command is removed there.

        Returns the ids of the commands that lost a key, so the dialog can say so.
        """
        new_keys = tuple(dict.fromkeys(normalize_key(k) for k in keys))
        losers = []
        for other_id, other_keys in self._bindings.items():
            if other_id != command_id and set(other_keys) & set(new_keys):
                self._bindings[other_id] = tuple(k for k in other_keys if k not in new_keys)
                losers.append(other_id)
        self._bindings[command_id] = new_keys
        return losers

    def reset_to_defaults(self) -> None:
        self._bindings = dict(self._defaults)

    def overrides(self) -> dict[str, tuple[str, ...]]:
        """The bindings that differ from the defaults: what the user file stores."""
        return {
            command_id: keys
            for command_id, keys in self._bindings.items()
            if keys != self._defaults.get(command_id, ())
        }

    def save(self, user_path: Path | None = None) -> Path:
        """Write the user's changes atomically (temp file + rename), so a crash never leaves half a file;
        by default into the signed-in user's own profile folder."""
        user_path = user_path or profile_folder() / USER_KEYMAP_FILE_NAME
        payload = json.dumps({k: list(v) for k, v in self.overrides().items()}, indent=2, sort_keys=True)
        try:
            write_text_atomically(user_path, payload)
        except OSError as error:
            log.error("could not save keymap to %s: %s", user_path, error)
            raise KeymapError(f"Your keys could not be saved to {user_path} ({error.strerror}). "
                              "Check that the folder is writable.") from error
        log.info("saved %d changed key bindings to %s", len(self.overrides()), user_path)
        return user_path
