"""The archive's side of cache encryption: seal the files it writes, forget files whose key is lost, convert.

With ``"encrypt_cache": true`` every file the archive writes is encrypted with the station key
(``core.chunked_cipher``); readers open files with ``core.stored_file.open_stored``. ``cache-key.id`` in the
archive folder names (by a hash, not the key) the key the cache was encrypted with, so an archive opened
without that key says so and sets aside the files it can no longer read: the index then treats them as
missing and the next retrieve fetches them again from the PACS. They are moved, never deleted (a key file
only misplaced, or studies imported from a CD that no PACS holds, can still be recovered): with the old key
back in place, importing the set-aside folder brings them back.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from workstation.archive.store import FileStore
from workstation.core.atomic_file import write_atomically
from workstation.core.chunked_cipher import HEADER, MAGIC, encrypt, key_id
from workstation.core.errors import ArchiveError
from workstation.core.station_key import (
    MissingStationKeyError,
    StationKeyError,
    create_key,
    read_key,
)
from workstation.core.stored_file import read_stored
from workstation.settings.cache_encryption import load_cache_encryption

log = logging.getLogger(__name__)
KEY_ID_FILE = "cache-key.id"
SET_ASIDE_FOLDER = "unreadable"  # files of a lost key, by the key's id


class CacheCipher:
    """This archive's key and whether new files are encrypted; built when the archive opens."""

    def __init__(self, folder: Path) -> None:
        settings = load_cache_encryption()
        self.folder = folder
        self.encrypt = settings.encrypt
        if settings.key_file.resolve().is_relative_to(folder.resolve()):
            raise ArchiveError(f"The cache key {settings.key_file} lies inside the cache {folder} it protects. "
                               "Set cache_key_file in security.json to a place outside it.")
        self._marker = folder / KEY_ID_FILE
        recorded = self._marker.read_text(encoding="ascii").strip() if self._marker.is_file() else ""
        self.set_aside_folder = folder / SET_ASIDE_FOLDER / (recorded or "unknown-key")
        self.key: bytes | None = None
        try:
            if recorded or (self.encrypt and settings.key_file.exists()):
                self.key = read_key(settings.key_file)
        except MissingStationKeyError:
            self.key = None
        except StationKeyError as error:
            raise ArchiveError(str(error)) from error
        self.key_lost = bool(recorded) and (self.key is None or key_id(self.key).hex() != recorded)
        if self.key_lost:
            log.error("the key the cache %s was encrypted with (id %s) is not available", folder, recorded)
        if self.encrypt and self.key is None:
            try:
                self.key = create_key(settings.key_file)
            except StationKeyError as error:
                raise ArchiveError(str(error)) from error
        if self.encrypt and not recorded:
            self.record_key()

    @property
    def lost_key_message(self) -> str:
        if not self.key_lost:
            return ""
        return ("The station's cache key is missing or was replaced, so the encrypted files of the local cache "
                "cannot be read. They are treated as missing: open the studies again to fetch them from the PACS. "
                f"The files were set aside in {self.set_aside_folder}: to recover them (studies imported from a CD, "
                "for one), put the old key file back and import that folder; once not needed, delete it.")

    def seal(self, data: bytes) -> bytes:
        """What to write for ``data``: encrypted when the station encrypts its cache, else ``data`` itself."""
        return encrypt(data, self.key) if self.encrypt and self.key is not None else data

    def record_key(self) -> None:
        """Note which key the cache's files are encrypted with (after the files of a lost key are gone)."""
        if self.key is not None:
            write_atomically(self._marker, key_id(self.key).hex().encode("ascii"))
        else:
            self._marker.unlink(missing_ok=True)

    def unreadable(self, store: FileStore, relatives: Iterable[str]) -> list[str]:
        """The files among ``relatives`` encrypted with a key other than the one at hand."""
        current = key_id(self.key) if self.key is not None else None
        found = []
        for relative in relatives:
            try:
                with open(store.absolute(relative), "rb") as stream:
                    header = stream.read(HEADER.size)
            except OSError:
                continue  # a missing file is the recovery's business
            if len(header) == HEADER.size and header.startswith(MAGIC) and HEADER.unpack(header)[5] != current:
                found.append(relative)
        return found


def convert_files(store: FileStore, relatives: list[str], seal: Callable[[bytes], bytes] | None,
                  progress: Callable[[int, int], None] | None = None) -> int:
    """Rewrite stored files encrypted (``seal``) or in plain (None); return how many changed.

    Each file is written in full to ``incoming/``, flushed, then renamed over the old one, so a crash at any
    point leaves every file whole, in its old form or its new one (the temporary is removed at the next opening).
    """
    changed = 0
    for done, relative in enumerate(relatives, start=1):
        target = store.absolute(relative)
        try:
            with open(target, "rb") as stream:
                encrypted = stream.read(len(MAGIC)) == MAGIC
            if encrypted != (seal is not None):
                data = read_stored(target)
                temporary = store.write_temporary(seal(data) if seal is not None else data)
                if target.exists():  # evicted meanwhile: do not bring it back
                    os.replace(temporary, target)
                    store.sync_folders([relative])
                    changed += 1
                else:
                    store.discard(temporary)
        except FileNotFoundError:
            pass
        except OSError as error:
            log.error("cannot convert cache file %s: %s", relative, error)
            raise ArchiveError(f"could not convert the cache file {target}: {error}. "
                               "Files done so far stay converted; run the command again.") from error
        if progress is not None:
            progress(done, len(relatives))
    log.info("%s %d cache files", "encrypted" if seal is not None else "decrypted", changed)
    return changed
