"""Archive files opened ahead of need, so the thread reading the network never waits on file creation.

Creating a file is the slowest step of writing a received instance on some file systems (measured here:
0.3-0.9 ms per file on ext4 in a VM, more than writing its 0.5 MB): a helper thread keeps a few empty
files open ahead, so each arriving instance finds one ready and creation overlaps the transfer.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from workstation.net.transfer import ReceivedFile

log = logging.getLogger(__name__)

AHEAD = 4


class FilesAhead:
    """``take()`` an open file; ``close()`` discards those opened but not taken (``start`` first, or use ``with``)."""

    def __init__(self, open_file: Callable[[], ReceivedFile], ahead: int = AHEAD) -> None:
        self._open_file = open_file
        self._ready: queue.Queue[ReceivedFile | Exception] = queue.Queue(maxsize=ahead)
        self._stopped = threading.Event()
        self._opener = threading.Thread(target=self._open_ahead, name="files-ahead", daemon=True)

    def start(self) -> FilesAhead:
        self._opener.start()
        return self

    def __enter__(self) -> FilesAhead:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _open_ahead(self) -> None:
        while not self._stopped.is_set():
            try:
                opened: ReceivedFile | Exception = self._open_file()
            except Exception as error:  # noqa: BLE001 (e.g. the disk is full: handed to the taker, who raises it)
                opened = error
            self._ready.put(opened)
            if isinstance(opened, Exception):
                return

    def take(self) -> ReceivedFile:
        """The next open file; the archive's error when it could not create one."""
        opened = self._ready.get()
        if isinstance(opened, Exception):
            self._ready.put(opened)  # every later take fails the same way
            raise opened
        return opened

    def close(self) -> None:
        self._stopped.set()
        while self._opener.is_alive() or not self._ready.empty():
            try:
                opened = self._ready.get(timeout=0.05)
            except queue.Empty:
                continue
            if not isinstance(opened, Exception):
                opened.discard()
