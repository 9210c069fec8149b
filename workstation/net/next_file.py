"""The archive file for the next incoming instance, opened while the PACS prepares that instance.

Creating a file is the slowest step of writing a received instance on some file systems (measured here:
0.3-0.9 ms per file on ext4 in a VM, more than writing its 0.5 MB), and a C-GET or C-MOVE sends one instance
at a time, each after our answer to the previous one: opening the next file right after answering fills
that wait. Doing it on the receiving thread itself measured faster than a helper thread opening files
ahead (no hand-off, no third thread competing for 2 cores with the PACS).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from workstation.core.errors import WorkstationError
from workstation.net.transfer import ReceivedFile

log = logging.getLogger(__name__)


class NextFile:
    """``take()`` a file (the one opened ahead, else a new one); ``prepare()`` opens the next; ``close()`` removes
    one opened but never taken. Use as a context manager."""

    def __init__(self, open_file: Callable[[], ReceivedFile]) -> None:
        self._open_file = open_file
        self._ready: ReceivedFile | None = None

    def take(self) -> ReceivedFile:
        """An open file; the archive's error when none can be created."""
        ready, self._ready = self._ready, None
        return ready if ready is not None else self._open_file()

    def prepare(self) -> None:
        """Open the next file now, while nothing else waits; a failure is left to the next ``take`` (the
        instance just received is kept either way, and there may be no next one)."""
        if self._ready is not None:
            return
        try:
            self._ready = self._open_file()
        except WorkstationError as error:
            log.info("next file not opened ahead (tried again when needed): %s", error)

    def close(self) -> None:
        ready, self._ready = self._ready, None
        if ready is not None:
            ready.discard()

    def __enter__(self) -> NextFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
