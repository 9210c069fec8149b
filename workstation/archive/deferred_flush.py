"""Deferred flush: instances fetched from a PACS reach the disk shortly after they are filed, not before.

A retrieved instance is a re-fetchable cache copy, so waiting for its fsync before filing the next one
(about as long as the whole transfer on a fast link) buys little. Its file is renamed into place unflushed
and indexed as not durable; this worker flushes such files in the background, in slices, and marks them
durable. It starts once filing has paused (``SETTLE_SECONDS``), or once much is pending, so it does not
compete with a transfer in full flow; several threads flush at once, since each fsync mostly waits
on the disk's journal (one thread flushing file after file was slower than the whole transfer).
What is not durable when the archive closes is left to the kernel's own write-back (as every program
that does not fsync does): only a crash of the operating system or a power loss can lose it, and both
change the boot ID, so an opening in the same boot trusts such files and an opening after a reboot
checks them (see ``Archive``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from workstation.core.errors import ArchiveError

log = logging.getLogger(__name__)

SLICE_FILES = 16  # flushed, then marked durable, together; closing waits for at most the slices in progress
FLUSH_THREADS = 8
SETTLE_SECONDS = 0.1  # flushing starts after this long without new files...
PENDING_LIMIT = 2048  # ...or once this many files wait (~1 GB of CT: a study streams in before its flush competes
# with it, measured 0.53 -> 0.47 s for 600 slices; the bound keeps the backlog of a very long transfer small)
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def current_boot_id() -> str:
    """This boot of the operating system (Linux), or "" where it cannot be told (unflushed files are then
    always checked after the archive closed, and closing waits for the flush)."""
    try:
        return BOOT_ID.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""


class DeferredFlush:
    """Calls ``flush(relative_paths)`` on a background thread for every path handed to ``add``."""

    def __init__(self, flush: Callable[[list[str]], None]) -> None:
        self._flush = flush
        self._condition = threading.Condition()
        self._pending: list[str] = []
        self._last_added = 0.0
        self._busy = 0  # slices being flushed
        self._waiting = 0  # callers of ``wait``: flush without settling while there are any
        self._stopping = False
        self._threads: list[threading.Thread] = []

    def add(self, relative_paths: list[str]) -> None:
        if not relative_paths:
            return
        with self._condition:
            if self._stopping:
                return  # closing: the rows stay not durable (the next opening takes them up)
            self._pending.extend(relative_paths)
            self._last_added = time.monotonic()
            if not self._threads:
                self._threads = [threading.Thread(target=self._run, name=f"archive-flush-{number}", daemon=True)
                                 for number in range(FLUSH_THREADS)]
                for thread in self._threads:
                    thread.start()
            self._condition.notify_all()

    def wait(self, timeout: float) -> bool:
        """Wait until every path handed in so far is flushed (or failed); False when ``timeout`` ran out first."""
        with self._condition:
            self._waiting += 1
            self._condition.notify_all()
            try:
                return self._condition.wait_for(lambda: not self._pending and not self._busy, timeout)
            finally:
                self._waiting -= 1

    def close(self, timeout: float) -> int:
        """Flush what is pending for up to ``timeout`` seconds, then stop; return how many paths were left."""
        if timeout > 0:
            self.wait(timeout)
        with self._condition:
            self._stopping = True
            left = len(self._pending)
            self._pending = []
            self._condition.notify_all()
            threads = self._threads
        for thread in threads:
            thread.join()  # at most the slices in progress
        if left:
            log.info("archive closed with %d retrieved files not flushed yet (left to the kernel's write-back)", left)
        return left

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._stopping:
                    if self._pending:
                        wait = self._last_added + SETTLE_SECONDS - time.monotonic()
                        if wait <= 0 or self._waiting or len(self._pending) >= PENDING_LIMIT:
                            break
                    else:
                        wait = None
                    self._condition.wait(wait)
                if self._stopping:
                    return
                work, self._pending = self._pending[:SLICE_FILES], self._pending[SLICE_FILES:]
                self._busy += 1
            started = time.perf_counter()
            try:
                self._flush(work)
            except (OSError, ArchiveError) as error:  # the rows stay not durable: the next opening takes them up
                log.error("flushing %d retrieved files to disk failed: %s", len(work), error)
            log.debug("flushed %d retrieved files in %.3f s", len(work), time.perf_counter() - started)
            with self._condition:
                self._busy -= 1
                self._condition.notify_all()
