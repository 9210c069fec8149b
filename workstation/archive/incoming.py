"""A received instance written to disk piece by piece as the network delivers it (a WADO-RS part).

Holding each part whole in memory, joining it and handing it to writer threads cost a copy of every byte,
page faults for the fresh buffers and a thread hand-off per instance; writing each piece to a temporary
file at once (the kernel copies it into the page cache) is what DCMTK does, and as fast. Only the first
bytes (the header, read when the file is filed) and the last bytes (the closing delimiter of encapsulated
pixel data) are kept. The file is filed later, in batches, by ``Archive.file_incoming``.

When the archive encrypts its files, a part is kept in memory instead and sealed whole when filed.
"""

from __future__ import annotations

import os
from pathlib import Path

from workstation.archive.store import FileStore

HEAD_BYTES = 16384  # a CT or MR header takes 1-3 KB; a larger one is read back from the file when filed
TAIL_BYTES = 8  # an encapsulated pixel data's sequence delimiter


class IncomingFile:
    """One instance being received; ``write`` every piece in order, then ``close`` (or ``discard``)."""

    def __init__(self, store: FileStore, in_memory: bool = False) -> None:
        self._store = store
        self.head = b""
        self.tail = b""
        self.size = 0
        self._pieces: list[bytes] | None = [] if in_memory else None
        self.temporary: Path | None = None
        self._descriptor: int | None = None
        if not in_memory:
            self.temporary, self._descriptor = store.open_temporary()

    @property
    def in_memory(self) -> bool:
        return self._pieces is not None

    @property
    def buffered_bytes(self) -> int:
        """Bytes this file holds in memory (0 when written to disk as received)."""
        return self.size if self.in_memory else 0

    def write(self, piece: bytes | memoryview) -> None:
        """Append ``piece`` (used at once: it may be a view of a buffer the caller reuses); ArchiveError when the
        disk refuses it, the temporary file then removed."""
        if len(self.head) < HEAD_BYTES:
            self.head += bytes(piece[:HEAD_BYTES - len(self.head)])
        self.tail = bytes(piece[-TAIL_BYTES:]) if len(piece) >= TAIL_BYTES else (self.tail + bytes(piece))[-TAIL_BYTES:]
        self.size += len(piece)
        if self._pieces is not None:
            self._pieces.append(bytes(piece))
            return
        try:
            self._store.write_all(self._descriptor, piece)
        except OSError as error:
            self.discard()
            raise self._store.write_error(error, "a received file") from error

    def close(self) -> None:
        """The last piece was written: close the file (not flushed: a PACS copy is flushed after filing)."""
        if self._descriptor is not None:
            descriptor, self._descriptor = self._descriptor, None
            try:
                os.close(descriptor)
            except OSError as error:
                self.discard()
                raise self._store.write_error(error, "a received file") from error

    def whole(self) -> bytes:
        """All the bytes received (read back from the temporary file unless held in memory)."""
        if self._pieces is not None:
            return b"".join(self._pieces)
        return self.temporary.read_bytes()

    def discard(self) -> None:
        """Drop what was received (a part cut off, refused, or already in the archive)."""
        if self._descriptor is not None:
            descriptor, self._descriptor = self._descriptor, None
            os.close(descriptor)
        if self.temporary is not None:
            self._store.discard(self.temporary)
        self._pieces = [] if self._pieces is not None else None
