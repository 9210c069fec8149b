"""The take being recorded: raw 16-bit samples appended as they arrive and fsynced at least twice a second.

Raw PCM has no header to keep up to date, so whatever reached the disk before a crash or power loss can be
read back; a half-written last sample is dropped.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; a live take is then told apart by the recording process only
    fcntl = None

from workstation.core.atomic_file import fsync_folder

SAMPLE_DTYPE = np.dtype("<i2")
FSYNC_INTERVAL_SECONDS = 0.5


class AudioJournal:
    """Append-only writer of one take (mono int16 little endian)."""

    def __init__(self, path: Path, fsync_interval: float = FSYNC_INTERVAL_SECONDS) -> None:
        self.path = path
        self.fsync_interval = fsync_interval
        self._file = open(path, "ab")
        if fcntl is not None:  # held while recording, so recovery never finalises a take still being recorded
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        fsync_folder(path.parent)
        self._last_sync = time.monotonic()
        self.frames = os.fstat(self._file.fileno()).st_size // SAMPLE_DTYPE.itemsize

    def append(self, samples: np.ndarray) -> None:
        self._file.write(np.ascontiguousarray(samples, dtype=SAMPLE_DTYPE).tobytes())
        self.frames += len(samples)
        if time.monotonic() - self._last_sync >= self.fsync_interval:
            self.sync()

    def sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._last_sync = time.monotonic()

    def close(self) -> None:
        if not self._file.closed:
            self.sync()
            self._file.close()


def take_in_use(path: Path) -> bool:
    """Whether a running recorder (this process or another) still writes this take."""
    if fcntl is None or not path.exists():
        return False
    with open(path, "rb") as probe:
        try:
            fcntl.flock(probe.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(probe.fileno(), fcntl.LOCK_UN)
    return False


def read_journal(path: Path) -> np.ndarray:
    """The samples of a take on disk, whole samples only (a crash may leave half of one)."""
    data = path.read_bytes() if path.exists() else b""
    usable = len(data) - len(data) % SAMPLE_DTYPE.itemsize
    return np.frombuffer(data[:usable], dtype=SAMPLE_DTYPE).copy()
