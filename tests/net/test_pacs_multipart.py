"""The streaming multipart splitter: parts come out whole however the stream is chunked."""

from __future__ import annotations

import os
import random

import pytest

from workstation.net.errors import PacsError
from workstation.net.wado import CollectedPart, MultipartSplitter, single_part


def data(parts: list[CollectedPart]) -> list[bytes]:
    return [part.data for part in parts]


def body(parts: list[bytes], boundary: str, sized: bool = True) -> bytes:
    out = b""
    for part in parts:
        length = f"Content-Length: {len(part)}\r\n" if sized else ""
        out += f"--{boundary}\r\nContent-Type: application/dicom\r\n{length}\r\n".encode()
        out += part + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


@pytest.mark.parametrize("chunk", [1, 7, 64, 4096, 1 << 20])
def test_parts_survive_any_chunking(chunk):
    parts = [os.urandom(size) for size in (0, 1, 300, 5000, 70000)]
    parts.append(b"\r\n--almost-the-boundary\r\n" * 3)  # CRLF-- inside a payload is not a delimiter
    stream = body(parts, "almost-the-boundary-1234")
    splitter = MultipartSplitter("almost-the-boundary-1234", CollectedPart)
    received = []
    for start in range(0, len(stream), chunk):
        received += data(splitter.feed(stream[start:start + chunk]))
    assert received == parts and splitter.finished


def test_unfinished_stream_is_not_finished():
    stream = body([b"abc", b"def"], "b1")
    splitter = MultipartSplitter("b1", CollectedPart)
    assert data(splitter.feed(stream[:-20])) == [b"abc"]
    assert not splitter.finished


def test_single_part_answer():
    assert single_part(body([b"DICM-bytes"], "xyz"), 'multipart/related; type="application/dicom"; boundary=xyz') == b"DICM-bytes"
    assert single_part(b"raw", "application/dicom") == b"raw"
    with pytest.raises(PacsError, match="malformed multipart"):
        single_part(body([b"a", b"b"], "xyz"), "multipart/related; boundary=xyz")
    with pytest.raises(PacsError, match="without a multipart boundary"):
        single_part(b"x", "multipart/related; type=application/dicom")


@pytest.mark.parametrize("sized", [True, False], ids=["content-length", "searched"])
def test_parts_survive_random_chunking_and_cuts_at_every_offset(sized):
    """Chunks of random sizes, and every two-chunk cut of a small stream (cuts inside delimiters and headers)."""
    rng = random.Random(3)
    boundary = "b-0123456789"
    parts = [b"", b"x", b"\r\n--b-01234567", os.urandom(2000), b"\r\n--b-012345678" + os.urandom(50)]
    stream = body(parts, boundary, sized)
    for _round in range(30):
        splitter, received, start = MultipartSplitter(boundary, CollectedPart), [], 0
        while start < len(stream):
            size = rng.choice([1, 2, 5, 17, 40, 300, 5000])
            received += data(splitter.feed(stream[start:start + size]))
            start += size
        assert received == parts and splitter.finished
    for cut in range(len(stream) + 1):
        splitter = MultipartSplitter(boundary, CollectedPart)
        received = data(splitter.feed(stream[:cut]) + splitter.feed(stream[cut:]))
        assert received == parts and splitter.finished, cut


def test_part_longer_than_its_content_length_is_refused():
    stream = body([b"abcdef"], "b1").replace(b"Content-Length: 6", b"Content-Length: 4")
    with pytest.raises(PacsError, match="longer than its Content-Length"):
        MultipartSplitter("b1", CollectedPart).feed(stream)
