"""The local archive: a file store and its SQLite index under one folder, safe across threads and crashes.

An instance is written to a temporary file, flushed, renamed into place, then indexed in a transaction,
so after a kill at any point the only debris is a temporary file or a file not in the index, which the
next opening removes. Files the index lists always exist (rows whose file vanished are dropped too).
A copy fetched from a PACS is flushed after it is indexed (``deferred_flush``); until then its row is
marked not durable with the boot it was written in, and an opening after a reboot (an OS crash or power
loss may have cut such files short) checks them (present, complete, parseable) and drops the broken
ones, so a resumed retrieve fetches them again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from workstation.archive.deferred_flush import DeferredFlush, current_boot_id
from workstation.archive.encryption import CacheCipher, convert_files
from workstation.archive.eviction import studies_to_evict
from workstation.archive.group_commit import GroupCommit
from workstation.archive.incoming import IncomingFile
from workstation.archive.index import ArchiveIndex
from workstation.archive.part10 import InstanceHeader, NotDicomError, Part10Instance, prepare_part10, streamed_header
from workstation.archive.process_lock import ArchiveProcessLock
from workstation.archive.records import (
    EvictionReport,
    ImportReport,
    PatientRecord,
    SeriesRecord,
    StoreResult,
    StudyRecord,
)
from workstation.archive.store import FileStore
from workstation.core.errors import ArchiveError, DicomReadError
from workstation.core.stored_file import read_stored
from workstation.settings.home import archive_folder

log = logging.getLogger(__name__)

INDEX_NAME = "index.sqlite"
LOCK_NAME = "archive.lock"
BATCH_FILES = 64
BATCH_BYTES = 64 << 20
WRITER_THREADS = 2
CLOSE_FLUSH_SECONDS = 30.0  # where the boot cannot be told, closing waits this long at most for the flush


@dataclass
class _ImportTally:
    imported: int = 0
    duplicates: int = 0
    problems: list[tuple[Path, str]] = field(default_factory=list)
    warnings: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class _Written:
    """An instance whose file is written and flushed under a temporary name, not yet in the index."""

    header: InstanceHeader
    temporary: Path
    relative: str
    size: int
    durable: bool = True  # flushed before filing; False: a PACS copy flushed after (deferred)


class Archive:
    """Local DICOM cache: SQLite index (index.sqlite) over a file store, under one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._process_lock = ArchiveProcessLock(self.folder / LOCK_NAME)
            self._store = FileStore(self.folder)
        except OSError as error:
            log.error("cannot open archive folder %s: %s", self.folder, error)
            raise ArchiveError(
                f"cannot open the archive folder {self.folder}: {error.strerror or error}. "
                "Check that it exists and is writable."
            ) from error
        self._write_lock = threading.Lock()
        self._group_commit: GroupCommit[_Written, bool] = GroupCommit(self._file)
        self._open_studies: Counter[str] = Counter()
        self._deferred_flush = DeferredFlush(self._flush_retrieved)
        self._boot_id = current_boot_id()
        try:
            self._index = ArchiveIndex(self.folder / INDEX_NAME)
            self._cipher = CacheCipher(self.folder)  # encrypt_cache in security.json
            if self._process_lock.try_exclusive():
                self._recover()
            else:
                log.info("archive %s is open in another process; crash recovery left to it", self.folder)
            self._process_lock.share()
        except BaseException:
            self._process_lock.release()
            raise

    @classmethod
    def open_default(cls) -> Archive:
        return cls(archive_folder())

    def close(self, flush_timeout: float | None = None) -> None:
        """Close, waiting up to ``flush_timeout`` s for retrieved files to be flushed; by default not at all
        where the boot ID is known (what is left reaches the disk by the kernel's write-back, and is checked
        at an opening after a reboot), else up to ``CLOSE_FLUSH_SECONDS``."""
        if flush_timeout is None:
            flush_timeout = 0.0 if self._boot_id else CLOSE_FLUSH_SECONDS
        self._deferred_flush.close(flush_timeout)
        self._index.close()
        self._process_lock.release()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- writing

    def import_paths(
        self, paths: Iterable[Path], progress: Callable[[int, int], None] | None = None
    ) -> ImportReport:
        """Import files, folders (recursive) and DICOMDIR files; idempotent by SOPInstanceUID.

        Headers are parsed on this thread while writer threads write and flush the files (fsync waits
        on the disk, not the CPU); every ``BATCH_FILES`` files are renamed into place and indexed at once.
        """
        from workstation.archive.importer import collect_sources  # DICOMDIR reading needs pydicom (~0.2 s to import)

        sources = collect_sources(paths)
        tally = _ImportTally(problems=list(sources.problems))
        batch: list[Future[_Written]] = []
        batch_bytes = 0
        total = len(sources.files)
        with ThreadPoolExecutor(max_workers=WRITER_THREADS, thread_name_prefix="archive-writer") as writers:
            try:
                for done, path in enumerate(sources.files, start=1):
                    instance = self._read_for_import(path, path in sources.found_in_folders, tally)
                    if instance is not None:
                        batch.append(writers.submit(self._write, instance))
                        batch_bytes += len(instance.data)
                    if len(batch) >= BATCH_FILES or batch_bytes >= BATCH_BYTES or (done == total and batch):
                        filed = self._file([future.result() for future in batch])
                        tally.imported += sum(filed)
                        tally.duplicates += len(filed) - sum(filed)
                        batch, batch_bytes = [], 0
                    if progress is not None:
                        progress(done, total)
            except BaseException:
                self._discard_written(batch)
                raise
        log.info("import: %d imported, %d duplicates, %d problems, %d not DICOM skipped",
                 tally.imported, tally.duplicates, len(tally.problems), len(tally.skipped))
        return ImportReport(tally.imported, tally.duplicates, tally.problems, tally.warnings, tally.skipped)

    def _read_for_import(self, path: Path, found_in_folder: bool, tally: _ImportTally) -> Part10Instance | None:
        """The instance to store from ``path``, or None (counted in ``tally``: duplicate, problem, skipped)."""
        try:
            instance = prepare_part10(read_stored(path), path)  # this station's encrypted files too (set aside ones)
        except NotDicomError as error:
            if found_in_folder:
                tally.skipped.append(path)
            else:
                tally.problems.append((path, error.problem))
            return None
        except DicomReadError as error:
            log.info("not imported: %s", error)
            tally.problems.append((path, error.problem))
            return None
        except OSError as error:
            log.info("not imported: %s: %s", path, error)
            tally.problems.append((path, f"could not be read ({error.strerror or error})"))
            return None
        if self._index.has_instance(instance.header.sop_instance_uid):
            tally.duplicates += 1
            return None
        tally.warnings += [(path, warning) for warning in instance.warnings]
        return instance

    def _discard_written(self, batch: list[Future[_Written]]) -> None:
        """After a failure, remove the temporary files of a batch not filed (waiting for writes in flight)."""
        for future in batch:
            if future.exception() is None:
                self._store.discard(future.result().temporary)

    def store_part10(self, data: bytes, *, from_pacs: bool = False) -> StoreResult:
        """File one Part 10 file as received from the network; a known SOPInstanceUID is not stored twice.

        Returns once the file is renamed into place and indexed. Threads calling at once share one
        rename-sync-index step (group commit), so many writer threads cost few folder syncs and transactions.
        ``from_pacs``: a copy this workstation fetched (re-fetchable), flushed to disk in the background
        after filing instead of before; anything else (a modality's push) is on disk before this returns.
        Raises DicomReadError for bytes that cannot be filed, ArchiveError when the disk refuses the write.
        """
        instance = prepare_part10(data, "received instance")
        uid = instance.header.sop_instance_uid
        existing = self._index.instance_path(uid)
        if existing is not None:
            return StoreResult(uid, self._store.absolute(existing), stored=False, duplicate=True)
        written = self._write(instance, durable=not from_pacs)
        return self._stored(written, self._group_commit.submit(written), instance.warnings)

    def receive_file(self) -> IncomingFile:
        """A file to write a retrieved instance into piece by piece as it arrives; ``file_incoming`` files it."""
        return IncomingFile(self._store, in_memory=self._cipher.encrypt)

    def file_incoming(self, files: list[IncomingFile]) -> list[StoreResult | DicomReadError]:
        """File received files (PACS copies, flushed after filing) in one transaction; per file, its outcome.

        A file whose header the fast scanner reads within its first bytes is renamed into place as written;
        any other (a long or unusual header, an executable preamble, damage, an encrypted cache) is read
        whole and checked like ``store_part10``, and rewritten only when its bytes must change. A file that cannot be filed gets its DicomReadError; an instance
        already here is not stored twice. Raises ArchiveError when the disk refuses the writes (nothing of
        the batch is then left behind).
        """
        outcomes: list[DicomReadError | tuple[_Written, tuple[str, ...]]] = []
        try:
            for incoming in files:
                try:
                    outcomes.append(self._incoming_written(incoming))
                except DicomReadError as error:
                    incoming.discard()
                    outcomes.append(error)
        except BaseException as error:
            for incoming in files:
                incoming.discard()
            for outcome in outcomes:
                if not isinstance(outcome, DicomReadError):
                    self._store.discard(outcome[0].temporary)
            if isinstance(error, OSError):
                raise self._store.write_error(error, "a received file") from error
            raise
        written = [outcome[0] for outcome in outcomes if not isinstance(outcome, DicomReadError)]
        filed = {id(item): was_filed for item, was_filed in zip(written, self._file(written) if written else [])}
        return [outcome if isinstance(outcome, DicomReadError) else self._stored(outcome[0], filed[id(outcome[0])], outcome[1])
                for outcome in outcomes]

    def _incoming_written(self, incoming: IncomingFile) -> tuple[_Written, tuple[str, ...]]:
        """A received file ready for filing, with its warnings: the file as written when its bytes are to be kept
        as they came, else a new one (sealed for an encrypted cache, preamble zeroed, file meta added)."""
        header = None if incoming.in_memory else streamed_header(incoming.head, incoming.tail, incoming.size)
        warnings: tuple[str, ...] = ()
        if header is None:  # read it whole (from the page cache: it was just written)
            data = incoming.whole()
            instance = prepare_part10(data, "received instance")
            if incoming.in_memory or instance.data is not data:
                incoming.discard()
                return self._write(instance, durable=False), instance.warnings
            header, warnings = instance.header, instance.warnings
        relative = self._store.relative_path(header.study_instance_uid, header.sop_instance_uid)
        return _Written(header, incoming.temporary, relative, incoming.size, durable=False), warnings

    def _stored(self, written: _Written, filed: bool, warnings: tuple[str, ...] = ()) -> StoreResult:
        """The outcome of filing ``written``: stored, or a duplicate of the copy already here."""
        uid = written.header.sop_instance_uid
        if filed:
            return StoreResult(uid, self._store.absolute(written.relative), stored=True, duplicate=False, warnings=warnings)
        existing = self._index.instance_path(uid) or written.relative  # another thread stored it meanwhile
        return StoreResult(uid, self._store.absolute(existing), stored=False, duplicate=True)

    def _write(self, instance: Part10Instance, durable: bool = True) -> _Written:
        header = instance.header
        temporary = self._store.write_temporary(self._cipher.seal(instance.data), flush=durable)
        relative = self._store.relative_path(header.study_instance_uid, header.sop_instance_uid)
        return _Written(header, temporary, relative, len(instance.data), durable)

    def _file(self, written: list[_Written]) -> list[bool]:
        """Rename written files into place and index them in one transaction; per file, whether it was filed.

        Runs under the write lock, so two threads receiving the same instance store it once (False for the
        other copy, and for an instance already in the index).
        """
        with self._write_lock:
            known = self._index.known_instances([item.header.sop_instance_uid for item in written])
            fresh: dict[str, _Written] = {}
            for item in written:
                uid = item.header.sop_instance_uid
                if uid in fresh or uid in known:
                    self._store.discard(item.temporary)
                else:
                    fresh[uid] = item
            placed: list[_Written] = []
            try:
                for item in fresh.values():
                    self._store.place(item.temporary, item.relative)
                    placed.append(item)
                durable = [item.relative for item in placed if item.durable]
                if durable:
                    self._store.sync_folders(durable)
                added = self._index.add_instances(
                    [(item.header, item.relative, item.size, item.durable) for item in placed], boot_id=self._boot_id)
            except (OSError, ArchiveError) as error:
                for item in fresh.values():
                    self._store.discard(item.temporary)
                for item in placed:
                    self._store.remove(item.relative)
                if isinstance(error, OSError):
                    raise self._store.write_error(error, f"{len(fresh)} instance file(s)") from error
                raise
            filed = {id(item) for item, was_added in zip(placed, added) if was_added}
            self._deferred_flush.add([item.relative for item in placed if id(item) in filed and not item.durable])
            return [id(item) in filed for item in written]

    def _flush_retrieved(self, relatives: list[str]) -> None:
        """Deferred flush of retrieved files (background thread): to disk first, then marked durable."""
        self._store.flush_files(relatives)
        self._index.mark_durable(relatives)

    def wait_until_durable(self, timeout: float) -> bool:
        """Wait until every retrieved file filed so far is flushed to disk; False when ``timeout`` ran out."""
        return self._deferred_flush.wait(timeout)

    # -- reading

    def has_instance(self, sop_instance_uid: str) -> bool:
        return self._index.has_instance(sop_instance_uid)

    def instance_uids(self, study_instance_uid: str, series_instance_uid: str | None = None) -> set[str]:
        return self._index.instance_uids(study_instance_uid, series_instance_uid)

    def patients(self) -> list[PatientRecord]:
        return self._index.patients()

    def studies(self, patient_id: str | None = None) -> list[StudyRecord]:
        """Newest first (by study date and time)."""
        return self._index.studies(patient_id)

    def series(self, study_instance_uid: str) -> list[SeriesRecord]:
        return self._index.series(study_instance_uid)

    def instance_paths(self, series_instance_uid: str) -> list[Path]:
        """Absolute paths of the series' files, in instance number order."""
        return [self._store.absolute(relative) for relative in self._index.instance_paths(series_instance_uid)]

    def study(self, study_instance_uid: str) -> StudyRecord:
        record = self._index.study(study_instance_uid)
        if record is None:
            raise ArchiveError(
                f"study {study_instance_uid} is not in the local archive. "
                "List the studies with `workstation archive list`."
            )
        return record

    def export_study(self, study_instance_uid: str, destination: Path) -> int:
        """Copy the study's Part 10 files unchanged to ``destination/SERnnnnn/IMGnnnnn.dcm``; return the count."""
        self.study(study_instance_uid)
        copies: list[tuple[Path, Path]] = []
        for series_number, series in enumerate(self.series(study_instance_uid), start=1):
            for image_number, source in enumerate(self.instance_paths(series.series_instance_uid), start=1):
                copies.append((source, destination / f"SER{series_number:05d}" / f"IMG{image_number:05d}.dcm"))
        taken = [target for _source, target in copies if target.exists()]
        if taken:
            raise ArchiveError(f"cannot export to {destination}: it already holds {taken[0]}. Choose an empty folder.")
        try:
            for source, target in copies:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(read_stored(source))  # decrypted when the cache is encrypted
        except OSError as error:
            log.error("export of study %s to %s failed: %s", study_instance_uid, destination, error)
            raise ArchiveError(
                f"could not export the study to {destination}: {error.strerror or error}. "
                "Check that the folder is writable and has free space."
            ) from error
        log.info("exported study %s: %d files to %s", study_instance_uid, len(copies), destination)
        return len(copies)

    # -- encryption at rest

    @property
    def lost_key_message(self) -> str:
        """Non-empty when the key of the cache's encrypted files is gone (they were dropped as missing)."""
        return self._cipher.lost_key_message

    def convert_files(self, encrypt: bool, progress: Callable[[int, int], None] | None = None) -> int:
        """Encrypt (or decrypt) the files stored before ``encrypt_cache`` was set (or unset); return how many."""
        if encrypt != self._cipher.encrypt:
            raise ArchiveError(f"set \"encrypt_cache\": {'true' if encrypt else 'false'} in security.json first, "
                               "so that new files are written the same way as the converted ones.")
        return convert_files(self._store, sorted(self._index.all_paths()), self._cipher.seal if encrypt else None,
                             progress)

    # -- lifetime

    def mark_open(self, study_instance_uid: str) -> None:
        """A viewer shows the study: it is never evicted until marked closed (calls nest)."""
        with self._write_lock:
            self._open_studies[study_instance_uid] += 1
        self._index.touch_study(study_instance_uid)

    def mark_closed(self, study_instance_uid: str) -> None:
        with self._write_lock:
            self._open_studies[study_instance_uid] -= 1
            if self._open_studies[study_instance_uid] <= 0:
                del self._open_studies[study_instance_uid]

    def set_read(self, study_instance_uid: str, read: bool = True) -> None:
        """Unread studies are never evicted."""
        self._index.set_read(study_instance_uid, read)

    def evict(self, max_bytes: int | None = None, max_age_days: float | None = None) -> EvictionReport:
        """Remove read, closed studies unused for ``max_age_days``, then the least recently used over ``max_bytes``."""
        with self._write_lock:
            studies = self._index.studies(None)
            chosen = studies_to_evict(studies, set(self._open_studies), time.time(), max_bytes, max_age_days)
            # files go under the lock too, or a copy of an evicted instance received meanwhile would be deleted
            for relative in self._index.delete_studies([study.study_instance_uid for study in chosen]):
                self._store.remove(relative)
        freed = sum(study.size_bytes for study in chosen)
        remaining = sum(study.size_bytes for study in studies) - freed
        over = max(0, remaining - max_bytes) if max_bytes is not None else 0
        log.info("evicted %d studies (%d bytes); %d bytes remain", len(chosen), freed, remaining)
        return EvictionReport(tuple(study.study_instance_uid for study in chosen), freed, remaining, over)

    # -- recovery

    def _recover(self) -> None:
        """Make index and files agree after a crash: drop temporaries, unindexed files, rows without a file."""
        if self._cipher.key_lost:
            self._forget_unreadable()
        leftovers = self._store.remove_temporaries()
        on_disk = self._store.stored_files()
        indexed = self._index.all_paths()
        orphans = on_disk - indexed.keys()
        for relative in orphans:
            self._store.remove(relative)
        missing = [relative for relative in indexed if relative not in on_disk]
        broken = self._check_not_durable(set(missing))
        for relative in broken:
            self._store.remove(relative)
        if missing or broken:
            self._index.delete_instances_at(missing + broken)
        if leftovers or orphans or missing or broken:
            log.warning(
                "archive %s repaired after an interruption: %d temporary files and %d unindexed files removed, "
                "%d index rows without a file and %d incomplete retrieved files dropped",
                self.folder, leftovers, len(orphans), len(missing), len(broken),
            )

    def _check_not_durable(self, missing: set[str]) -> list[str]:
        """Check retrieved files not flushed yet that a reboot since may have cut short; return the broken ones.

        Files written in this boot are whole (the kernel holds or wrote their data). Others are kept when
        they have the recorded size and parse as the instance their row names (the pixel data included: no
        truncation). Kept files are flushed in the background and marked durable.
        """
        broken: list[str] = []
        sound: list[str] = []
        for relative, (sop_instance_uid, size, boot) in self._index.not_durable().items():
            if relative in missing:
                continue
            if boot and boot == self._boot_id:
                sound.append(relative)
                continue
            try:
                data = self._store.read(relative)
                intact = len(data) == size and prepare_part10(data, relative).header.sop_instance_uid == sop_instance_uid
            except (OSError, DicomReadError) as error:
                log.info("retrieved file %s not kept after an interruption: %s", relative, error)
                intact = False
            (sound if intact else broken).append(relative)
        self._deferred_flush.add(sound)
        return broken

    def _forget_unreadable(self) -> None:
        """The cache's key is lost: its encrypted files leave the index (so they are fetched again) and are moved
        aside on disk, never deleted."""
        unreadable = self._cipher.unreadable(self._store, self._store.stored_files())  # the index may be gone too
        for relative in unreadable:
            self._store.move_out(relative, self._cipher.set_aside_folder)
        self._index.delete_instances_at(unreadable)
        self._cipher.record_key()
        log.error("%s (%d files set aside)", self._cipher.lost_key_message, len(unreadable))
