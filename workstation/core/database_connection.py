"""Open the station's local SQLite databases: plain, or encrypted with SQLCipher when the cache is encrypted.

With ``"encrypt_cache": true`` in security.json the databases that hold patient data (archive index, security,
worklist, RIS outbox) are SQLCipher files keyed with a key derived from the station's cache key (HKDF-SHA256,
one label per database purpose), given raw so that no password hashing slows each connection. A database in
the other form than the station's setting is converted when it is opened: exported whole to a temporary file,
flushed, then renamed over the old one, so a crash leaves it in its old or its new form. A database that the
key cannot open (key lost or replaced) raises DatabaseKeyError, or, for a database that only mirrors files
which are unreadable without that key (the archive index), is started again empty.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

from sqlcipher3 import dbapi2 as sqlcipher

from workstation.core.errors import WorkstationError
from workstation.core.station_key import MissingStationKeyError, station_key
from workstation.settings.cache_encryption import load_cache_encryption

log = logging.getLogger(__name__)

DATABASE_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, sqlcipher.Error)
"""What any connection made here may raise: ``except DATABASE_ERRORS`` (SQLCipher's errors are not sqlite3's)."""
OPERATIONAL_ERRORS: tuple[type[Exception], ...] = (sqlite3.OperationalError, sqlcipher.OperationalError)

PLAIN_HEADER = b"SQLite format 3\x00"  # an encrypted file starts with its random salt instead
CONVERTING_SUFFIX = ".converting"
KEY_LABEL = b"workstation SQLCipher database key: "
SIDE_FILES = ("-wal", "-shm", "-journal")


class DatabaseKeyError(WorkstationError):
    """An encrypted database cannot be opened: the station's cache key is missing, replaced, or the file damaged."""


def connect_database(path: Path | str, purpose: str, *, start_empty_if_key_lost: bool = False,
                     named_rows: bool = False, **options: Any) -> Any:
    """A DB-API connection to ``path`` (``options`` as for ``sqlite3.connect``), in the station's chosen form.

    ``purpose`` names the database in messages and labels its derived key ("archive index", "security", ...).
    ``named_rows`` sets the driver's own Row factory (``sqlite3.Row`` refuses SQLCipher's cursors).
    """
    path = Path(path)
    encrypt = load_cache_encryption().encrypt
    form = "new"
    if str(path) != ":memory:":
        _remove_leftover(path)
        form = _stored_form(path)
    if not encrypt:
        if form == "encrypted":
            _decrypt(path, purpose, start_empty_if_key_lost)
        connection = sqlite3.connect(path, **options)
    else:
        cache_key = _cache_key(path, purpose, form, start_empty_if_key_lost)
        if form == "plain":
            _convert(path, purpose, source_key=None, target_key=database_key(cache_key, purpose))
        connection = _open_encrypted(path, purpose, cache_key, start_empty_if_key_lost, options)
    if named_rows:
        connection.row_factory = sqlcipher.Row if encrypt else sqlite3.Row
    return connection


def database_key(cache_key: bytes, purpose: str) -> bytes:
    """The 256-bit SQLCipher key of one database, derived from the station's cache key (never the key itself)."""
    from cryptography.hazmat.primitives import hashes  # ~3 ms to load: only stations that encrypt need it
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=KEY_LABEL + purpose.encode("utf-8")).derive(cache_key)


def is_encrypted_database(path: Path) -> bool:
    """True when ``path`` exists and is not a plain SQLite file (an encrypted one starts with a random salt)."""
    return _stored_form(path) == "encrypted"


def _stored_form(path: Path) -> str:
    try:
        with open(path, "rb") as stream:
            head = stream.read(len(PLAIN_HEADER))
    except FileNotFoundError:
        return "new"
    except OSError as error:
        log.error("cannot read the database %s: %s", path, error)
        raise WorkstationError(f"The database {path} cannot be read ({error.strerror or error}); "
                               "check the disk and the file's permissions.") from error
    if not head:
        return "new"
    return "plain" if head == PLAIN_HEADER else "encrypted"


def _cache_key(path: Path, purpose: str, form: str, start_empty_if_key_lost: bool) -> bytes:
    """The station key; a new one is made only for a database that no key was used for yet (or started empty)."""
    if form == "encrypted":
        try:
            return station_key()
        except MissingStationKeyError as error:
            _key_lost(path, purpose, start_empty_if_key_lost, error)
    return station_key(create=True)


def _decrypt(path: Path, purpose: str, start_empty_if_key_lost: bool) -> None:
    """A station that no longer encrypts: the database back to plain SQLite, with the key kept after unsetting."""
    try:
        _convert(path, purpose, source_key=database_key(station_key(), purpose), target_key=None)
    except (MissingStationKeyError, DatabaseKeyError) as error:
        _key_lost(path, purpose, start_empty_if_key_lost, error)


def _open_encrypted(path: Path, purpose: str, cache_key: bytes, start_empty_if_key_lost: bool,
                    options: dict[str, Any]) -> Any:
    try:
        return _keyed_connection(path, database_key(cache_key, purpose), options)
    except sqlcipher.DatabaseError as error:
        if error.sqlite_errorcode != sqlcipher.SQLITE_NOTADB:
            raise
        _key_lost(path, purpose, start_empty_if_key_lost, error)
    return _keyed_connection(path, database_key(cache_key, purpose), options)


def _keyed_connection(path: Path, key: bytes, options: dict[str, Any]) -> Any:
    """A SQLCipher connection with ``key`` applied and checked (a wrong key fails on the first read)."""
    connection = sqlcipher.connect(os.fspath(path), **options)
    try:
        connection.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is reported by us, not on stderr
        connection.execute(f"PRAGMA key = \"{_raw(key)}\"")
        connection.execute("PRAGMA temp_store = MEMORY")  # no plaintext temporary files for sorts or indexes
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        connection.close()
        raise
    return connection


def _raw(key: bytes) -> str:
    """SQLCipher's raw key literal: used as the key as is, no PBKDF2 per connection."""
    return f"x'{key.hex()}'"


def _key_lost(path: Path, purpose: str, start_empty: bool, error: Exception) -> None:
    """Start the database again empty (``start_empty``), else refuse with what the administrator must do."""
    log.error("the %s database %s cannot be opened with the station's cache key: %s", purpose, path, error)
    if not start_empty:
        if isinstance(error, DatabaseKeyError):
            raise error
        raise _refusal(path, purpose) from error
    for name in ("", *SIDE_FILES):
        Path(f"{path}{name}").unlink(missing_ok=True)
    log.error("the %s database %s was started again empty: its content was unreadable without the lost key",
              purpose, path)


def _refusal(path: Path, purpose: str) -> DatabaseKeyError:
    return DatabaseKeyError(
        f"The {purpose} database {path} is encrypted, and the station's cache key "
        f"({load_cache_encryption().key_file}) is missing, was replaced, or the file is damaged. "
        "Restore the key file from the station's backup and start again; the workstation will not "
        "replace this database with an empty one."
    )


def _remove_leftover(path: Path) -> None:
    """A conversion cut short by a crash leaves its temporary file; the database itself is still whole."""
    temporary = path.with_name(path.name + CONVERTING_SUFFIX)
    for name in ("", *SIDE_FILES):
        leftover = Path(f"{temporary}{name}")
        if leftover.exists():
            log.warning("removing %s left by an interrupted database conversion", leftover)
            leftover.unlink()


def _convert(path: Path, purpose: str, source_key: bytes | None, target_key: bytes | None) -> None:
    """Rewrite ``path`` encrypted with ``target_key`` (None: plain) from its ``source_key`` form, crash-safe.

    The source leaves WAL mode first, which SQLite allows only when no other connection has it open: a
    database in use elsewhere is refused rather than converted under the other program's feet.
    """
    temporary = path.with_name(path.name + CONVERTING_SUFFIX)
    action = "encrypting" if target_key is not None else "decrypting"
    try:
        if source_key is not None:
            source = _keyed_connection(path, source_key, {"isolation_level": None, "timeout": 5})
        else:
            source = sqlcipher.connect(os.fspath(path), isolation_level=None, timeout=5)
    except sqlcipher.DatabaseError as error:
        if error.sqlite_errorcode != sqlcipher.SQLITE_NOTADB:
            raise _conversion_failed(path, purpose, action, error) from error
        log.error("%s the %s database %s: it does not open with the key: %s", action, purpose, path, error)
        raise _refusal(path, purpose) from error
    try:
        source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (mode,) = source.execute("PRAGMA journal_mode = DELETE").fetchone()
        if str(mode).lower() != "delete":
            raise sqlcipher.OperationalError("database is locked")
        (version,) = source.execute("PRAGMA user_version").fetchone()
        target = _raw(target_key) if target_key is not None else ""
        source.execute("ATTACH DATABASE ? AS converted KEY ?", (str(temporary), target))
        source.execute("SELECT sqlcipher_export('converted')")
        source.execute(f"PRAGMA converted.user_version = {int(version)}")
        source.execute("DETACH DATABASE converted")
    except sqlcipher.Error as error:
        raise _conversion_failed(path, purpose, action, error) from error
    finally:
        source.close()
    try:
        descriptor = os.open(temporary, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
        _sync_folder(path.parent)
    except OSError as error:
        log.error("%s the %s database %s failed: %s", action, purpose, path, error)
        raise WorkstationError(f"The {purpose} database {path} could not be replaced by its converted copy "
                               f"({error.strerror or error}); check the disk and start again.") from error
    log.info("%s the %s database %s: done", action, purpose, path)


def _conversion_failed(path: Path, purpose: str, action: str, error: Exception) -> WorkstationError:
    log.error("%s the %s database %s failed: %s", action, purpose, path, error)
    return WorkstationError(
        f"The {purpose} database {path} could not be converted for the station's cache encryption setting "
        f"({error}). Close every other workstation window and command using it, then start again."
    )


def _sync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX; Windows cannot open a folder and commits renames with the file system)."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
