"""Macros: short keys (".nad") that expand to standard sentences while typing a report.

Shipped ones are in resources/report_macros/default.json; a user's own in WORKSTATION_HOME/report_macros.json
add to or override them.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from workstation.core.errors import WorkstationError
from workstation.core.resources import resource_path
from workstation.settings.profile_folder import profile_file

log = logging.getLogger(__name__)


def _read(path: Path) -> dict[str, str]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        log.error("macros %s unreadable: %s", path, error)
        raise WorkstationError(f"The report macros in {path} cannot be read ({error}); fix or remove the file.") from error
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise WorkstationError(f"The report macros in {path} must map short keys to texts.")
    return value


def load_macros(user_file: Path | None = None) -> dict[str, str]:
    return {**_read(resource_path("report_macros", "default.json")),
            **_read(user_file or profile_file("report_macros.json"))}


def expand_at(text: str, cursor: int, macros: dict[str, str]) -> tuple[str, int] | None:
    """If the word ending at ``cursor`` is a macro key, the text with it expanded and the new cursor."""
    start = cursor
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    expansion = macros.get(text[start:cursor])
    if expansion is None:
        return None
    return text[:start] + expansion + text[cursor:], start + len(expansion)
