"""Progress, cancel and the archive hand-off shared by every retrieve method (C-GET, C-MOVE, WADO-RS).

A ``Transfer`` knows which instances it wants, stores each received one into the archive as the
encoded bytes it came in, and counts instances, bytes and the time until the first one, and the middle
slice (the one the viewer opens on, fetched first), were on disk.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from workstation.core.errors import WorkstationError

log = logging.getLogger(__name__)

WRITER_THREADS = 16  # several wait on each group commit, so commits are few (32 cost more CPU for no gain here)
WRITE_BYTES_IN_FLIGHT = 128 << 20  # received files waiting for the archive writers, at most (one always fits)
# the filer waits this long after a file for more: filing 600 C-GET instances took ~550 transactions and twice the CPU
FILING_GATHER_SECONDS = 0.005


class StoredInstance(Protocol):
    sop_instance_uid: str
    stored: bool
    duplicate: bool


class ReceivedFile(Protocol):
    """An instance being written as it arrives (``workstation.archive.incoming.IncomingFile``)."""

    @property
    def buffered_bytes(self) -> int: ...
    size: int

    def write(self, piece: bytes | memoryview) -> None: ...
    def close(self) -> None: ...
    def discard(self) -> None: ...


class InstanceArchive(Protocol):
    """The part of ``workstation.archive.Archive`` the network needs (kept narrow on purpose)."""

    def store_part10(self, data: bytes, *, from_pacs: bool = False) -> StoredInstance: ...
    def receive_file(self) -> ReceivedFile: ...
    def file_incoming(self, files: list[ReceivedFile]) -> list[StoredInstance | WorkstationError]: ...
    def has_instance(self, sop_instance_uid: str) -> bool: ...
    def instance_uids(self, study_instance_uid: str, series_instance_uid: str | None = None) -> set[str]: ...


@dataclass(frozen=True)
class RetrieveProgress:
    """A snapshot for the progress bar: counts, bytes, rate, time to the first instance and to the middle slice."""

    total_instances: int
    received_instances: int
    received_bytes: int
    already_present: int
    elapsed_seconds: float
    first_instance_seconds: float | None
    middle_instance_seconds: float | None = None  # None: not on disk yet, or not known which instance it is
    middle_sop_instance_uid: str = ""  # the middle slice of the largest series (the viewer can open on it first)

    @property
    def bytes_per_second(self) -> float:
        return self.received_bytes / self.elapsed_seconds if self.elapsed_seconds > 0 else 0.0

    @property
    def instances_per_second(self) -> float:
        return self.received_instances / self.elapsed_seconds if self.elapsed_seconds > 0 else 0.0


ProgressCallback = Callable[[RetrieveProgress], None]


class Transfer:
    """One retrieve in flight; thread-safe since C-GET/C-MOVE handlers and WADO workers call it at once."""

    def __init__(self, archive: InstanceArchive, progress: ProgressCallback | None = None) -> None:
        self.archive = archive
        self._progress = progress
        self._lock = threading.Lock()
        self._report_lock = threading.RLock()
        self._cancelled = threading.Event()
        self._cancel_actions: list[Callable[[], None]] = []
        self._wanted: set[str] = set()
        self.total_instances = 0
        self.already_present = 0
        self.received_instances = 0
        self.received_bytes = 0
        self.duplicates = 0
        self.started = time.perf_counter()
        self.first_instance_seconds: float | None = None
        self.middle_instance_uid = ""
        self.middle_instance_seconds: float | None = None
        self.last_received_at = time.monotonic()
        self.store_errors: list[str] = []
        self.move_message_ids: set[int] = set()
        self._writers: ThreadPoolExecutor | None = None
        self._filer: threading.Thread | None = None
        self._to_file: queue.SimpleQueue[ReceivedFile | None] = queue.SimpleQueue()
        self._in_flight = threading.Condition()
        self._bytes_in_flight = 0

    def expect(self, wanted: Iterable[str], total: int) -> None:
        with self._lock:
            self._wanted = set(wanted)
            self.total_instances = total
            self.already_present = total - len(self._wanted)
        self._report()

    def expect_count(self, total: int | None) -> None:
        """A whole-study transfer: the PACS's instance count is all we know (None: unknown)."""
        with self._lock:
            self.total_instances = total or 0
            self.already_present = 0
        self._report()

    def expects(self, sop_instance_uid: str, move_message_id: int | None = None) -> bool:
        """Whether an instance arriving at the storage SCP belongs to this transfer."""
        if move_message_id is not None and move_message_id in self.move_message_ids:
            return True
        return sop_instance_uid in self._wanted

    def mark_middle(self, sop_instance_uid: str) -> bool:
        """Name the middle slice (fetched first); False, with its time set, when the archive holds it already."""
        with self._lock:
            self.middle_instance_uid = sop_instance_uid
        if not self.archive.has_instance(sop_instance_uid):
            return True
        with self._lock:
            if self.middle_instance_seconds is None:
                self.middle_instance_seconds = time.perf_counter() - self.started
        self._report()
        return False

    def store(self, data: bytes) -> StoredInstance:
        """Put one received Part 10 file into the archive and count it; archive errors propagate."""
        result = self.archive.store_part10(data, from_pacs=True)
        self.count(result, len(data))
        return result

    def store_soon(self, data: bytes) -> None:
        """Hand a received file to the writer threads and return at once, so the network never waits on fsync.

        At most ``WRITE_BYTES_IN_FLIGHT`` bytes wait in memory (counted in bytes, so a study of large
        multi-frame objects cannot fill the memory); beyond that the receiver blocks (back-pressure).
        A failed write is recorded in ``store_errors``; the final completeness check reports it.
        """
        self._wait_for_room(len(data))
        with self._lock:
            if self._writers is None:
                self._writers = ThreadPoolExecutor(max_workers=WRITER_THREADS, thread_name_prefix="archive-write")
            writers = self._writers
        writers.submit(self._write, data)

    def _write(self, data: bytes) -> None:
        try:
            self.store(data)
        except WorkstationError as error:
            log.error("storing a received instance failed: %s", error)
            with self._lock:
                self.store_errors.append(str(error))
        finally:
            self._release_room(len(data))

    def _wait_for_room(self, size: int) -> None:
        """Block while ``size`` more bytes would pass the in-memory limit (one file always fits), then count them."""
        with self._in_flight:
            self._in_flight.wait_for(lambda: self._bytes_in_flight == 0
                                     or self._bytes_in_flight + size <= WRITE_BYTES_IN_FLIGHT)
            self._bytes_in_flight += size

    def _release_room(self, size: int) -> None:
        with self._in_flight:
            self._bytes_in_flight -= size
            self._in_flight.notify_all()

    def receive_file(self) -> ReceivedFile:
        """A file of the archive to write an arriving instance into, piece by piece; then ``file_soon`` it."""
        return self.archive.receive_file()

    def file_soon(self, received: ReceivedFile) -> None:
        """Queue a completely written file for filing and return at once (the receive never waits on the index).

        One filer thread files whatever has queued up in one batch (one transaction for many files).
        Files held in memory (an encrypted cache) count against ``WRITE_BYTES_IN_FLIGHT`` like ``store_soon``.
        """
        self._wait_for_room(received.buffered_bytes)
        with self._lock:
            if self._filer is None:  # each filer has its own queue: a file handed in (by the storage SCP) while
                # finish_writes ends the previous filer goes to the next one, never after the previous one's end mark
                self._to_file = queue.SimpleQueue()
                self._filer = threading.Thread(target=self._file_queued, args=(self._to_file,), name="archive-filer",
                                               daemon=True)
                self._filer.start()
            self._to_file.put(received)

    def _file_queued(self, to_file: queue.SimpleQueue[ReceivedFile | None]) -> None:
        finished = False
        while not finished:
            batch = [to_file.get()]
            if batch[0] is not None:  # let files arriving one by one (C-GET, C-MOVE) gather: one transaction for several
                time.sleep(FILING_GATHER_SECONDS)
            while not to_file.empty():
                batch.append(to_file.get())
            finished = batch[-1] is None
            received = [item for item in batch if item is not None]
            if received:
                self._file_batch(received)

    def _file_batch(self, received: list[ReceivedFile]) -> None:
        held = sum(item.buffered_bytes for item in received)  # counted before filing, which drops what a file holds
        try:
            outcomes = self.archive.file_incoming(received)
        except WorkstationError as error:
            log.error("filing %d received instances failed: %s", len(received), error)
            outcomes = [error] * len(received)
        for item, outcome in zip(received, outcomes):
            if isinstance(outcome, WorkstationError):
                log.error("storing a received instance failed: %s", outcome)
                with self._lock:
                    self.store_errors.append(str(outcome))
            else:
                self.count(outcome, item.size)
        self._release_room(held)

    def finish_writes(self) -> None:
        """Wait until every handed-over file is in the archive (or has failed)."""
        with self._lock:
            writers, self._writers = self._writers, None
            filer, self._filer = self._filer, None
            to_file = self._to_file
        if writers is not None:
            writers.shutdown(wait=True)
        if filer is not None:
            to_file.put(None)
            filer.join()

    def count(self, result: StoredInstance, size: int) -> None:
        with self._lock:
            self.last_received_at = time.monotonic()
            if result.duplicate and not result.stored:
                self.duplicates += 1
            else:
                self.received_instances += 1
                self.received_bytes += size
                if self.first_instance_seconds is None:
                    self.first_instance_seconds = time.perf_counter() - self.started
            if result.sop_instance_uid == self.middle_instance_uid and self.middle_instance_seconds is None:
                self.middle_instance_seconds = time.perf_counter() - self.started
        self._report()

    def snapshot(self) -> RetrieveProgress:
        with self._lock:
            return RetrieveProgress(
                total_instances=self.total_instances,
                received_instances=self.received_instances,
                received_bytes=self.received_bytes,
                already_present=self.already_present,
                elapsed_seconds=time.perf_counter() - self.started,
                first_instance_seconds=self.first_instance_seconds,
                middle_instance_seconds=self.middle_instance_seconds,
                middle_sop_instance_uid=self.middle_instance_uid,
            )

    def _report(self) -> None:
        """Snapshot and callback under one lock, so listeners see counts in order across writer threads."""
        if self._progress is not None:
            with self._report_lock:
                self._progress(self.snapshot())

    # cancel -------------------------------------------------------------------------------------
    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def on_cancel(self, action: Callable[[], None]) -> None:
        """Run ``action`` (e.g. abort the association) when cancelled; at once if already cancelled."""
        with self._lock:
            self._cancel_actions.append(action)
            run_now = self._cancelled.is_set()
        if run_now:
            action()

    def forget_cancel_action(self, action: Callable[[], None]) -> None:
        with self._lock:
            if action in self._cancel_actions:
                self._cancel_actions.remove(action)

    def cancel(self) -> None:
        with self._lock:
            self._cancelled.set()
            actions = list(self._cancel_actions)
        for action in actions:
            action()
