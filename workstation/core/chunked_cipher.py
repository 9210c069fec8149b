"""AES-256-GCM in separately authenticated chunks: an encrypted file format that readers can seek in.

Layout: a 48-byte header (magic, version, chunk size, plaintext length, random file id, key id), then
chunks of ``nonce (12) | ciphertext | tag (16)``, each holding ``chunk_size`` plaintext bytes but the
last. Every chunk's associated data is the header plus the chunk's index, so a flipped bit, a chunk moved
within or between files, an edited length or a cut-off file fails authentication instead of giving
wrong bytes; a reader decrypts only the chunks it reads (the pixel data of one frame, not the whole file).
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
from typing import BinaryIO

from workstation.core.errors import WorkstationError

MAGIC = b"\x89WSCRYPT"
VERSION = 1
CHUNK_SIZE = 1 << 16  # a header read decrypts 64 KiB, not the whole image (measured: benchmarks/encrypted_cache.py)
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BYTES = 32
HEADER = struct.Struct("<8sB3xIQ16s8s")  # magic, version, chunk size, plaintext length, file id, key id
_INDEX = struct.Struct("<Q")


class StoredFileError(WorkstationError, OSError):
    """An encrypted cache file cannot be read: key missing or another station's, or the file damaged/altered.

    Also an OSError, so every reader that already handles an unreadable file handles this one the same way.
    """


def key_id(key: bytes) -> bytes:
    """8 bytes naming the key (not revealing it), so a file tells 'another key' apart from 'altered'."""
    return hashlib.sha256(b"workstation cache key id\0" + key).digest()[:8]


def encrypt(data: bytes | bytearray | memoryview, key: bytes, chunk_size: int = CHUNK_SIZE) -> bytes:
    """The whole encrypted file for ``data`` (always at least one chunk, so the header is always authenticated)."""
    view = memoryview(data).cast("B")
    header = HEADER.pack(MAGIC, VERSION, chunk_size, len(view), os.urandom(16), key_id(key))
    cipher = _aead(key)
    parts = [header]
    for index, start in enumerate(range(0, max(len(view), 1), chunk_size)):
        nonce = os.urandom(NONCE_BYTES)
        parts += [nonce, cipher.encrypt(nonce, view[start:start + chunk_size], header + _INDEX.pack(index))]
    return b"".join(parts)


def is_encrypted(prefix: bytes) -> bool:
    """Whether a file starting with ``prefix`` (at least 8 bytes) is in this format."""
    return prefix[:len(MAGIC)] == MAGIC


class EncryptedReader(io.RawIOBase):
    """A read-only, seekable view of the plaintext of an encrypted file; decrypts one chunk at a time.

    Raises StoredFileError for another key than the file's, a cut-off file, or (when read) an altered chunk.
    """

    def __init__(self, raw: BinaryIO, name: str, key: bytes) -> None:
        super().__init__()
        self._raw = raw
        self.name = name
        self._header = raw.read(HEADER.size)
        if len(self._header) < HEADER.size:
            raise StoredFileError(f"{name}: the encrypted cache file is cut off (no complete header).")
        magic, version, self._chunk_size, self.plaintext_length, _file_id, wanted_key = HEADER.unpack(self._header)
        if magic != MAGIC or version != VERSION or self._chunk_size <= 0:
            raise StoredFileError(f"{name}: not an encrypted cache file of a version this workstation reads.")
        if wanted_key != key_id(key):
            raise StoredFileError(
                f"{name}: this cache file was encrypted with another station key than the one configured "
                "(lost or replaced key?). It cannot be read; fetch the study again from the PACS."
            )
        self._chunks = max(1, -(-self.plaintext_length // self._chunk_size))
        expected = HEADER.size + self._chunks * (NONCE_BYTES + TAG_BYTES) + self.plaintext_length
        actual = os.fstat(raw.fileno()).st_size
        if actual != expected:
            raise StoredFileError(
                f"{name}: the encrypted cache file is {'cut off' if actual < expected else 'longer than written'} "
                f"({actual} bytes, {expected} expected). Fetch the study again from the PACS."
            )
        self._cipher = _aead(key)
        self._position = 0
        self._cached_index = -1
        self._cached = b""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.plaintext_length}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def readinto(self, buffer: bytearray | memoryview) -> int:
        target = memoryview(buffer).cast("B")
        done = 0
        while done < len(target) and self._position < self.plaintext_length:
            index, within = divmod(self._position, self._chunk_size)
            chunk = self._chunk(index)
            count = min(len(chunk) - within, len(target) - done)
            target[done:done + count] = chunk[within:within + count]
            done += count
            self._position += count
        return done

    def readall(self) -> bytes:
        rest = bytearray(max(0, self.plaintext_length - self._position))
        return bytes(rest[:self.readinto(rest)])

    def close(self) -> None:
        self._raw.close()
        super().close()

    def _chunk(self, index: int) -> bytes:
        if index != self._cached_index:
            stored = NONCE_BYTES + self._chunk_size + TAG_BYTES
            self._raw.seek(HEADER.size + index * stored)
            sealed = memoryview(self._raw.read(stored))
            try:
                self._cached = self._cipher.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:],
                                                    self._header + _INDEX.pack(index))
            except _invalid_tag() as error:
                raise StoredFileError(
                    f"{self.name}: the encrypted cache file is damaged or was altered (chunk {index + 1} of "
                    f"{self._chunks} fails its check). Its content is not used; fetch the study again from the PACS."
                ) from error
            self._cached_index = index
        return self._cached


def _aead(key: bytes):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if len(key) != KEY_BYTES:
        raise StoredFileError(f"the cache key must be {KEY_BYTES} bytes, not {len(key)}.")
    return AESGCM(key)


def _invalid_tag() -> type[Exception]:
    from cryptography.exceptions import InvalidTag

    return InvalidTag
