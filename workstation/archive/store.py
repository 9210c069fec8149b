"""The file store: where instance files live inside the archive folder and how they get there atomically.

File names come from a SHA-256 of the UIDs, never from DICOM values, so no value (``../../etc/passwd``)
can steer a write outside the archive folder, and no patient data shows in a path. A file is first
written to ``incoming/`` under a random name, flushed to disk (fsync), then renamed into place; a copy
fetched from a PACS may skip the flush, which ``flush_files`` does later (see ``deferred_flush``).
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import uuid
from pathlib import Path

from workstation.core.errors import ArchiveError
from workstation.core.stored_file import read_stored

log = logging.getLogger(__name__)

FILES_FOLDER = "files"
INCOMING_FOLDER = "incoming"
TEMPORARY_SUFFIX = ".part"
WRITE_CHUNK = 1 << 20


class FileStore:
    """Instance files under ``folder/files``; paths handed out and kept in the index are relative to ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.incoming = folder / INCOMING_FOLDER
        (folder / FILES_FOLDER).mkdir(parents=True, exist_ok=True)
        self.incoming.mkdir(parents=True, exist_ok=True)

    def relative_path(self, study_instance_uid: str, sop_instance_uid: str) -> str:
        """One folder per study (files read together stay together), one file per SOP instance."""
        study = _digest(study_instance_uid)
        instance = _digest(sop_instance_uid)
        return f"{FILES_FOLDER}/{study[:2]}/{study[2:32]}/{instance[:40]}.dcm"

    def absolute(self, relative: str) -> Path:
        return self.folder / relative

    def write_temporary(self, data: bytes, flush: bool = True) -> Path:
        """Write ``data`` to a new file in ``incoming/`` (fsync'd unless ``flush`` is False); on failure leave nothing."""
        temporary, descriptor = self.open_temporary()
        try:
            try:
                self.write_all(descriptor, data)
                if flush:
                    os.fsync(descriptor)
            finally:
                os.close(descriptor)
        except OSError as error:
            self.discard(temporary)
            raise self.write_error(error, "a new file") from error
        return temporary

    def open_temporary(self) -> tuple[Path, int]:
        """A new empty file in ``incoming/`` under a random name, and its descriptor open for writing."""
        temporary = self.incoming / f"{uuid.uuid4().hex}{TEMPORARY_SUFFIX}"
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
        except OSError as error:
            raise self.write_error(error, "a new file") from error
        return temporary, descriptor

    @staticmethod
    def write_all(descriptor: int, data: bytes | memoryview) -> None:
        """Write all of ``data`` (os.write may take less than it is given)."""
        view = memoryview(data)
        while view:
            written = os.write(descriptor, view[:WRITE_CHUNK])
            view = view[written:]

    def place(self, temporary: Path, relative: str) -> None:
        """Rename a written temporary file to its final name (atomic: readers see all of it or nothing)."""
        target = self.absolute(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temporary, target)

    def sync_folders(self, relatives: list[str]) -> None:
        """Flush the renames to disk, once per folder touched (a study's files share one)."""
        for folder in {self.absolute(relative).parent for relative in relatives} | {self.incoming}:
            _fsync_folder(folder)

    def flush_files(self, relatives: list[str]) -> None:
        """Flush placed files and their folders to disk; a file removed meanwhile (evicted) is skipped."""
        for relative in relatives:
            try:
                # read-write: Windows flushes only handles open for writing
                descriptor = os.open(self.absolute(relative), os.O_RDWR | getattr(os, "O_BINARY", 0))
            except FileNotFoundError:
                continue
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        for folder in {self.absolute(relative).parent for relative in relatives}:
            if folder.is_dir():
                _fsync_folder(folder)

    def read(self, relative: str) -> bytes:
        """The DICOM bytes of a placed file, decrypted if need be (OSError when it is gone or unreadable)."""
        return read_stored(self.absolute(relative))

    def discard(self, path: Path) -> None:
        try:
            path.unlink(missing_ok=True)
        except OSError as error:
            log.warning("could not remove %s: %s", path, error)

    def remove(self, relative: str) -> None:
        target = self.absolute(relative)
        self.discard(target)
        self._remove_empty_folders(target)

    def move_out(self, relative: str, destination: Path) -> None:
        """Move a stored file to ``destination`` (same file system: a rename), keeping its relative path."""
        target = self.absolute(relative)
        moved = destination / relative
        moved.parent.mkdir(parents=True, exist_ok=True)
        os.replace(target, moved)
        self._remove_empty_folders(target)

    @staticmethod
    def _remove_empty_folders(target: Path) -> None:
        for folder in (target.parent, target.parent.parent):
            try:
                folder.rmdir()
            except OSError:
                break  # not empty (or already gone): keep it

    def stored_files(self) -> set[str]:
        """Every instance file on disk, as relative paths (used to reconcile with the index after a crash)."""
        found: set[str] = set()
        for root, _folders, names in os.walk(self.folder / FILES_FOLDER):
            relative_root = Path(root).relative_to(self.folder).as_posix()
            found.update(f"{relative_root}/{name}" for name in names)
        return found

    def remove_temporaries(self) -> int:
        """Delete what an interrupted write left in ``incoming/``; return how many files."""
        leftovers = [path for path in self.incoming.iterdir() if path.is_file()]
        for path in leftovers:
            self.discard(path)
        return len(leftovers)

    def write_error(self, error: OSError, what: str) -> ArchiveError:
        log.error("archive write failed in %s (%s): %s", self.folder, what, error)
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            return ArchiveError(
                f"the archive disk is full: could not write {what} in {self.folder}. "
                "Free some space (or evict old studies) and try again."
            )
        return ArchiveError(
            f"could not write {what} in the archive folder {self.folder}: {error.strerror or error}. "
            "Check that the folder exists and is writable."
        )


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _fsync_folder(folder: Path) -> None:
    if not hasattr(os, "O_DIRECTORY"):
        return  # Windows has no folder handles to flush; NTFS journals renames itself
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
