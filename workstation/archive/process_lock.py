"""Which process may repair the archive after a crash: the one that finds no other process using it.

Every process holding the archive open keeps a shared lock on ``archive.lock``; crash recovery deletes
files not in the index, which would destroy another process's files being written, so it runs only
under the exclusive lock (taken without waiting), which is then lowered to a shared one.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import BinaryIO

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; one workstation process per archive is assumed there
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)


class ArchiveProcessLock:
    def __init__(self, path: Path) -> None:
        self._file: BinaryIO = open(path, "a+b")  # noqa: SIM115 - held for the archive's lifetime

    def try_exclusive(self) -> bool:
        """True when no other process has the archive open (then recovery is safe)."""
        if fcntl is None:
            return True
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def share(self) -> None:
        """Hold the archive open beside other processes (waits while one of them repairs it)."""
        if fcntl is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_SH)

    def release(self) -> None:
        self._file.close()
