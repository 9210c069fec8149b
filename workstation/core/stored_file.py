"""One way to open a file of the local cache: plain DICOM as it is, the station's encrypted files decrypted.

Every reader of archive files (pydicom, the native pixel reader, export, sending to a PACS) opens them
here, so a cache written with ``encrypt_cache`` on, off, or half converted reads the same. Decryption is
chunk by chunk in memory (no plaintext temporary file); the station key is loaded only for encrypted files.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from workstation.core.chunked_cipher import MAGIC, EncryptedReader, StoredFileError
from workstation.core.station_key import station_key

if TYPE_CHECKING:
    from pydicom.dataset import FileDataset

__all__ = ["StoredFileError", "dcmread_stored", "open_stored", "read_stored", "stored_size"]


def open_stored(path: str | Path) -> BinaryIO:
    """A seekable binary file object over the DICOM bytes of ``path``.

    Raises OSError as ``open`` does, and StoredFileError (an OSError too, with a message for the user) when
    an encrypted file cannot be read: key missing or another one, file cut off; an altered chunk raises it
    when read, so altered bytes are never returned.
    """
    raw = open(path, "rb", buffering=0)  # noqa: SIM115 - handed to the caller inside the returned reader
    try:
        encrypted = raw.read(len(MAGIC)) == MAGIC
        raw.seek(0)
        if not encrypted:
            return io.BufferedReader(raw)
        return io.BufferedReader(EncryptedReader(raw, str(path), station_key()))
    except BaseException:
        raw.close()
        raise


def read_stored(path: str | Path) -> bytes:
    """All DICOM bytes of ``path`` (decrypted when it is encrypted)."""
    with open_stored(path) as stream:
        return stream.read()


def dcmread_stored(path: str | Path, **options: object) -> FileDataset:
    """``pydicom.dcmread(path, **options)`` on the file's DICOM bytes; pydicom's errors, StoredFileError."""
    import pydicom

    with open_stored(path) as stream:
        return pydicom.dcmread(stream, **options)


def stored_size(stream: BinaryIO) -> int:
    """The DICOM length of an opened stored file (its plaintext length when it is encrypted)."""
    position = stream.tell()
    try:
        return stream.seek(0, io.SEEK_END)
    finally:
        stream.seek(position)
