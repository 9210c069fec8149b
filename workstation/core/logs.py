"""Logging setup: a rotating file under the state folder, warnings on stderr.

Log lines never carry patient names; identifiers are UIDs and file paths inside the archive.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path


class CurrentStderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of the record (tests and tools replace it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure_logging(folder: Path, verbose: bool = False) -> None:
    root = logging.getLogger()
    if any(getattr(handler, "_workstation", False) for handler in root.handlers):
        return
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    file_handler = logging.handlers.RotatingFileHandler(
        folder / "workstation.log", maxBytes=10_000_000, backupCount=5, encoding="utf-8"
    )
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    file_handler._workstation = True  # type: ignore[attr-defined]
    console = CurrentStderrHandler()
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    console._workstation = True  # type: ignore[attr-defined]
    # pynetdicom's own errors repeat ours (which say what to do); the log file keeps both
    console.addFilter(lambda record: not record.name.startswith("pynetdicom"))
    root.addHandler(file_handler)
    root.addHandler(console)
    logging.getLogger("pynetdicom").setLevel(logging.WARNING)
