"""The station's cache key: 256 random bits in a file outside the cache, readable by this account only.

Created on first use (mode 0600, its folder 0700); refused when group or others may read it, since then it
protects nothing. On Windows the file holds the key sealed with DPAPI for the current user (CryptProtectData
through ctypes) instead of the bare key; that path cannot be tested on the Linux build machines.
Whoever loses this file loses the cache: its files can then only be fetched again from the PACS.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
import sys
from functools import lru_cache
from pathlib import Path

from workstation.core.chunked_cipher import KEY_BYTES, StoredFileError
from workstation.settings.cache_encryption import load_cache_encryption

log = logging.getLogger(__name__)
DPAPI_PREFIX = b"DPAPI1"


class StationKeyError(StoredFileError):
    """The station key cannot be used (missing, unsafe permissions, malformed)."""


class MissingStationKeyError(StationKeyError):
    """The key file does not exist: files encrypted with it are lost to this station."""


def station_key(create: bool = False) -> bytes:
    """The key named by this station's settings; with ``create``, a new one is made when there is none."""
    path = load_cache_encryption().key_file
    if create and not path.exists():
        return create_key(path)
    return read_key(path)


def read_key(path: Path) -> bytes:
    try:
        status = path.stat()
    except FileNotFoundError:
        log.error("the cache key file %s does not exist", path)
        raise MissingStationKeyError(
            f"The station's cache key {path} is missing, so the encrypted files of the local cache cannot be "
            "read. Restore the key file from the station's backup, or fetch the studies again from the PACS."
        ) from None
    except OSError as error:
        raise _unreadable(path, error) from error
    if os.name == "posix" and status.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.error("the cache key file %s is open to group or others (mode %o); refused", path, status.st_mode & 0o777)
        raise StationKeyError(
            f"The station's cache key {path} may be read by other accounts, so it is refused. "
            f"Run `chmod 600 {path}` (and check who could have copied it)."
        )
    return _read(path, status.st_mtime_ns, status.st_ino, status.st_size)


def create_key(path: Path) -> bytes:
    """Write a new random key to ``path`` (which must not exist) readable by this account only."""
    key = secrets.token_bytes(KEY_BYTES)
    content = DPAPI_PREFIX + _dpapi(key, protect=True) if sys.platform == "win32" else key
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        try:
            os.write(descriptor, content)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except OSError as error:
        log.error("cannot create the cache key file %s: %s", path, error)
        raise StationKeyError(
            f"Cannot create the station's cache key {path}: {error.strerror or error}. Check that its folder "
            "is writable, or set another place with cache_key_file in security.json."
        ) from error
    log.info("created a new cache key file %s", path)
    return key


@lru_cache(maxsize=4)
def _read(path: Path, _mtime_ns: int, _inode: int, _size: int) -> bytes:
    try:
        content = path.read_bytes()
    except OSError as error:
        raise _unreadable(path, error) from error
    if content.startswith(DPAPI_PREFIX):
        content = _dpapi(content[len(DPAPI_PREFIX):], protect=False)
    if len(content) != KEY_BYTES:
        log.error("the cache key file %s holds %d bytes, not %d", path, len(content), KEY_BYTES)
        raise StationKeyError(f"The station's cache key {path} is damaged (not a key of {KEY_BYTES} bytes). "
                              "Restore it from the station's backup.")
    return content


def _unreadable(path: Path, error: OSError) -> StationKeyError:
    log.error("cannot read the cache key file %s: %s", path, error)
    return StationKeyError(f"Cannot read the station's cache key {path}: {error.strerror or error}. "
                           "Check the file's owner and permissions.")


def _dpapi(data: bytes, protect: bool) -> bytes:
    """Seal (or unseal) ``data`` for the current Windows user with CryptProtectData / CryptUnprotectData."""
    if sys.platform != "win32":
        raise StationKeyError("This cache key file was sealed with Windows DPAPI; it can be read on Windows only.")
    import ctypes
    from ctypes import wintypes

    class DataBlob(ctypes.Structure):
        _fields_ = [("cbData", wintypes.DWORD), ("pbData", ctypes.POINTER(ctypes.c_char))]

    crypt32, kernel32 = ctypes.windll.crypt32, ctypes.windll.kernel32
    source = ctypes.create_string_buffer(data, len(data))
    given = DataBlob(len(data), ctypes.cast(source, ctypes.POINTER(ctypes.c_char)))
    result = DataBlob()
    call = crypt32.CryptProtectData if protect else crypt32.CryptUnprotectData
    ui_forbidden = 0x1  # CRYPTPROTECT_UI_FORBIDDEN
    if not call(ctypes.byref(given), None, None, None, None, ui_forbidden, ctypes.byref(result)):
        raise StationKeyError(f"Windows could not {'seal' if protect else 'unseal'} the station's cache key "
                              f"(error {ctypes.GetLastError()}); it opens only for the Windows user who created it.")
    try:
        return ctypes.string_at(result.pbData, result.cbData)
    finally:
        kernel32.LocalFree(result.pbData)
