"""The chunked AES-256-GCM format: round trip, seeking, and every kind of damage detected, never decrypted wrong."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from workstation.core.chunked_cipher import (
    HEADER,
    NONCE_BYTES,
    TAG_BYTES,
    EncryptedReader,
    StoredFileError,
    encrypt,
)

KEY = bytes(range(32))
CHUNK = 1000


def _reader(path: Path, key: bytes = KEY) -> io.BufferedReader:
    return io.BufferedReader(EncryptedReader(open(path, "rb", buffering=0), str(path), key))


def _write(tmp_path: Path, data: bytes, name: str = "file.enc", key: bytes = KEY) -> Path:
    path = tmp_path / name
    path.write_bytes(encrypt(data, key, chunk_size=CHUNK))
    return path


def _chunk_span(index: int) -> slice:
    start = HEADER.size + index * (NONCE_BYTES + CHUNK + TAG_BYTES)
    return slice(start, start + NONCE_BYTES + CHUNK + TAG_BYTES)


def test_round_trip_and_seeking_across_chunk_boundaries(tmp_path):
    data = os.urandom(5 * CHUNK + 321)
    path = _write(tmp_path, data)
    with _reader(path) as stream:
        assert stream.read() == data
        for position, length in [(0, 10), (CHUNK - 3, 7), (2 * CHUNK + 5, 3 * CHUNK), (len(data) - 4, 100)]:
            stream.seek(position)
            assert stream.read(length) == data[position:position + length]
        assert stream.seek(0, io.SEEK_END) == len(data)
        target = bytearray(1500)
        stream.seek(CHUNK // 2)
        assert stream.readinto(target) == 1500 and bytes(target) == data[CHUNK // 2:CHUNK // 2 + 1500]


def test_empty_file_round_trips(tmp_path):
    with _reader(_write(tmp_path, b"")) as stream:
        assert stream.read() == b""


def test_ciphertext_does_not_hold_the_plaintext(tmp_path):
    secret = b"Doe^Jane 1.2.840.113619.2.55.3"
    path = _write(tmp_path, secret * 200)
    assert secret[:8] not in path.read_bytes()


def test_a_flipped_bit_fails_that_chunk_only(tmp_path):
    data = os.urandom(3 * CHUNK)
    path = _write(tmp_path, data)
    damaged = bytearray(path.read_bytes())
    damaged[_chunk_span(1).start + NONCE_BYTES + 17] ^= 0x01
    path.write_bytes(damaged)
    with EncryptedReader(open(path, "rb", buffering=0), str(path), KEY) as stream:
        assert stream.read(CHUNK) == data[:CHUNK]  # chunk 0 is intact
        with pytest.raises(StoredFileError, match="damaged or was altered \\(chunk 2 of 3"):
            stream.read(CHUNK)


def test_swapped_chunks_are_detected(tmp_path):
    data = os.urandom(3 * CHUNK)
    path = _write(tmp_path, data)
    blob = bytearray(path.read_bytes())
    first, second = blob[_chunk_span(0)], blob[_chunk_span(1)]
    blob[_chunk_span(0)], blob[_chunk_span(1)] = second, first
    path.write_bytes(blob)
    with _reader(path) as stream, pytest.raises(StoredFileError, match="altered"):
        stream.read()


def test_a_chunk_from_another_file_is_detected(tmp_path):
    first = _write(tmp_path, os.urandom(2 * CHUNK), "a.enc")
    second = _write(tmp_path, os.urandom(2 * CHUNK), "b.enc")
    blob = bytearray(first.read_bytes())
    blob[_chunk_span(1)] = second.read_bytes()[_chunk_span(1)]
    first.write_bytes(blob)
    with EncryptedReader(open(first, "rb", buffering=0), str(first), KEY) as stream:
        stream.read(CHUNK)
        with pytest.raises(StoredFileError, match="altered"):
            stream.read(CHUNK)


def test_an_edited_length_is_detected(tmp_path):
    """Shortening the length in the header (to hide the end of a file) breaks every chunk's check."""
    data = os.urandom(2 * CHUNK)
    path = _write(tmp_path, data)
    blob = bytearray(path.read_bytes())
    magic, version, chunk_size, _length, file_id, key = HEADER.unpack(blob[:HEADER.size])
    blob[:HEADER.size] = HEADER.pack(magic, version, chunk_size, 2 * CHUNK - 1, file_id, key)
    path.write_bytes(blob[:-1])  # keep the size consistent with the claimed length
    with _reader(path) as stream, pytest.raises(StoredFileError, match="altered"):
        stream.read()


@pytest.mark.parametrize("change", ["cut at a chunk boundary", "cut inside a chunk", "bytes appended"])
def test_cut_off_or_extended_files_are_refused_on_opening(tmp_path, change):
    path = _write(tmp_path, os.urandom(3 * CHUNK))
    blob = path.read_bytes()
    path.write_bytes({"cut at a chunk boundary": blob[:_chunk_span(2).start],
                      "cut inside a chunk": blob[:-5], "bytes appended": blob + b"\0"}[change])
    with pytest.raises(StoredFileError, match="cut off|longer than written"):
        _reader(path)


def test_another_key_is_told_apart_from_damage(tmp_path):
    path = _write(tmp_path, b"pixels")
    with pytest.raises(StoredFileError, match="another station key"):
        _reader(path, key=bytes(32))
