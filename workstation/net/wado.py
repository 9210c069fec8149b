"""WADO-RS retrieval: one request per instance, several in parallel, middle slice first.

Per-instance requests let the PACS serve from many threads at once, make resume exact (only missing
instances are asked for) and put the middle slice on disk first. Each answer is a one-part
multipart/related body; the part's bytes are the Part 10 file, stored without decoding.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Generic, Protocol, TypeVar

import requests

from workstation.net.dicomweb import request, session_for
from workstation.net.errors import PacsError, RetrieveCancelled
from workstation.net.query_results import RemoteInstance, middle_first
from workstation.net.transfer import Transfer
from workstation.settings.pacs_nodes import PacsNode

log = logging.getLogger(__name__)

ACCEPT_PART10 = 'multipart/related; type="application/dicom"; transfer-syntax=*'
PARALLEL_REQUESTS = 8
HEADER_LIMIT = 16384  # a part's delimiter and headers; real ones take about 100 bytes


class PartWriter(Protocol):
    """Where ``MultipartSplitter`` puts a part's bytes: ``write`` each piece in order, then ``close``;
    ``discard`` for a part cut off. A piece is a view of the chunk fed: use it at once or keep the chunk."""

    def write(self, piece: bytes | memoryview) -> None: ...
    def close(self) -> None: ...
    def discard(self) -> None: ...


class CollectedPart:
    """A part kept in memory as ``data`` (a one-instance answer); its pieces are views of the (bytes) body."""

    def __init__(self) -> None:
        self._pieces: list[bytes | memoryview] = []
        self.data = b""

    def write(self, piece: bytes | memoryview) -> None:
        self._pieces.append(piece)

    def close(self) -> None:
        self.data, self._pieces = b"".join(self._pieces), []

    def discard(self) -> None:
        self._pieces = []


def single_part(body: bytes, content_type: str) -> bytes:
    """The payload of a one-part multipart/related body (or the body itself when not multipart)."""
    if not content_type.lower().startswith("multipart/"):
        return body
    splitter = MultipartSplitter(_boundary(content_type), CollectedPart)
    parts = splitter.feed(body)
    if len(parts) != 1 or not splitter.finished:
        raise PacsError("The DICOMweb server sent a malformed multipart answer; the instance was not stored.")
    return parts[0].data


def instance_url(node: PacsNode, instance: RemoteInstance) -> str:
    return (f"{node.dicomweb_url}/studies/{instance.study_instance_uid}/series/{instance.series_instance_uid}"
            f"/instances/{instance.sop_instance_uid}")


def fetch_instance(session: requests.Session, node: PacsNode, instance: RemoteInstance, transfer: Transfer) -> None:
    """One instance by its own WADO-RS request, stored before this returns."""
    response = request(session, node, "GET", instance_url(node, instance), "an instance retrieve",
                       headers={"Accept": ACCEPT_PART10})
    transfer.store(single_part(response.content, response.headers.get("Content-Type", "")))


def wado_rs(node: PacsNode, wanted: list[RemoteInstance], transfer: Transfer,
            parallel: int = PARALLEL_REQUESTS) -> None:
    ordered = middle_first(wanted)
    if ordered:
        transfer.mark_middle(ordered[0].sop_instance_uid)
    sessions = threading.local()
    opened: list[requests.Session] = []
    opened_lock = threading.Lock()

    def session() -> requests.Session:
        if not hasattr(sessions, "value"):
            sessions.value = session_for(node, connections=2)
            with opened_lock:
                opened.append(sessions.value)
        return sessions.value

    def fetch(instance: RemoteInstance) -> None:
        if not transfer.cancelled:
            fetch_instance(session(), node, instance, transfer)

    try:
        if ordered:
            fetch(ordered[0])
        with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="wado") as pool:
            futures = [pool.submit(fetch, instance) for instance in ordered[1:]]
            done, pending = wait(futures, return_when=FIRST_EXCEPTION)
            for future in pending:
                future.cancel()
            errors = [future.exception() for future in done if future.exception() is not None]
    finally:
        for opened_session in opened:
            opened_session.close()
    if transfer.cancelled:
        raise RetrieveCancelled(f"Retrieve from {node.dicomweb_url} cancelled; what arrived is kept.")
    if errors:
        error = errors[0]
        if isinstance(error, PacsError):
            raise PacsError(f"{error} {transfer.received_instances} instances received are kept; retry to fetch the rest.") from error
        raise error


Part = TypeVar("Part", bound=PartWriter)


class MultipartSplitter(Generic[Part]):
    """Cuts a multipart/related byte stream into its parts as chunks arrive, without holding the whole body.

    Each part's bytes go to a writer from ``open_part`` piece by piece, as views of the chunks fed: the
    study stream writes them straight to the archive's files, never copying a part in memory. A part with
    a Content-Length header (Orthanc sends one) is taken by its length, not searched.
    """

    def __init__(self, boundary: str, open_part: Callable[[], Part]) -> None:
        self._delimiter = b"\r\n--" + boundary.encode("ascii")
        self._open_part = open_part
        self._pending = b"\r\n"  # unclassified bytes: a part's headers, or a tail that may start a delimiter
        self._part: Part | None = None  # the part being received
        self._remaining = 0  # body bytes still expected by the part's Content-Length
        self._sized = False  # the part has a Content-Length (else its end is found by searching)
        self.finished = False

    @property
    def _in_part(self) -> bool:
        return self._part is not None

    def feed(self, chunk: bytes) -> list[Part]:
        """Take the next chunk; the parts it completed (closed)."""
        parts: list[Part] = []
        self._consume(chunk, parts)
        return parts

    def abandon(self) -> None:
        """The stream broke off: discard the part it was in."""
        part, self._part = self._part, None
        if part is not None:
            part.discard()

    def _consume(self, chunk: bytes, parts: list[Part]) -> None:
        position = 0
        while not self.finished:
            if not self._in_part:
                started = self._part_start(chunk, position, parts)
                if started is None:
                    return
                position = started
            elif self._remaining:
                take = min(self._remaining, len(chunk) - position)
                if take == 0:
                    return
                self._part.write(memoryview(chunk)[position:position + take])
                self._remaining -= take
                position += take
            elif self._pending:
                position = self._delimiter_across(chunk, position, parts)
                if position < 0:
                    return
            elif position >= len(chunk):
                return
            else:
                end = chunk.find(self._delimiter, position)
                if end >= 0:
                    self._extend_body(memoryview(chunk)[position:end])
                    parts.append(self._close_part())
                    position = end
                    continue
                keep = max(position, len(chunk) - len(self._delimiter) + 1)  # may hold the start of a delimiter
                self._extend_body(memoryview(chunk)[position:keep])
                self._pending = chunk[keep:]
                return

    def _delimiter_across(self, chunk: bytes, position: int, parts: list[Part]) -> int:
        """Settle the held tail of a part against the next bytes; the position to go on from (-1: chunk used up)."""
        reach = len(self._delimiter) - 1
        window = self._pending + chunk[position:position + reach]
        found = window.find(self._delimiter)
        if found >= 0:  # it starts in the held bytes (a whole delimiter does not fit in ``reach`` new bytes)
            self._extend_body(self._pending[:found])
            parts.append(self._close_part())
            self._pending = self._pending[found:]
            return position
        if len(chunk) - position >= reach:
            self._extend_body(self._pending)
            self._pending = b""
            return position
        # fewer new bytes than a delimiter: the tail to hold spans the held bytes and the rest of the chunk
        self._extend_body(window[:-reach])
        self._pending = window[-reach:]
        return -1

    def _extend_body(self, piece: memoryview | bytes) -> None:
        """Add searched bytes to the part; past a Content-Length only the delimiter may follow."""
        if not piece:
            return
        if self._sized:
            raise PacsError("The DICOMweb server sent a malformed multipart answer (a part longer than its "
                            "Content-Length); the instance was not stored.")
        self._part.write(piece)

    def _close_part(self) -> Part:
        part, self._part = self._part, None
        part.close()
        return part

    def _part_start(self, chunk: bytes, position: int, parts: list[Part]) -> int | None:
        """Read a delimiter and the part headers after it; the chunk position of the body, or None: more needed."""
        held = len(self._pending)
        head = self._pending + chunk[position:position + HEADER_LIMIT]
        start = head.find(self._delimiter)
        after = start + len(self._delimiter)
        if start >= 0 and head[after:after + 2] == b"--":
            self.finished = True
            return None
        headers_end = head.find(b"\r\n\r\n", after) if start >= 0 else -1
        if headers_end < 0:
            if position + HEADER_LIMIT < len(chunk) or len(head) > 2 * HEADER_LIMIT:
                raise PacsError("The DICOMweb server sent a malformed multipart answer (no part headers found).")
            self._pending = head
            return None
        self._part = self._open_part()
        self._remaining = _content_length(head[after:headers_end])
        self._sized = self._remaining > 0
        self._pending = b""
        body_start = headers_end + 4
        if body_start <= held:  # the body starts inside the held bytes: take those first, then this chunk
            self._consume(head[body_start:held], parts)
            return position
        return position + body_start - held


def _content_length(headers: bytes) -> int:
    """A part's Content-Length header (Orthanc sends one), or 0 when absent or unusable."""
    for line in headers.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return int(value)
    return 0


def _boundary(content_type: str) -> str:
    for item in content_type.split(";")[1:]:
        key, _, value = item.strip().partition("=")
        if key.lower() == "boundary":
            return value.strip('"')
    raise PacsError("The DICOMweb server answered without a multipart boundary; nothing could be stored.")


def wado_rs_stream(node: PacsNode, study_instance_uid: str, transfer: Transfer, chunk_size: int = 1 << 20) -> None:
    """Retrieve a whole study as one streamed multipart answer, each part written to an archive file as it arrives.

    The fastest path for a study the archive does not hold yet: no instance listing first, and the PACS
    streams from one request (Orthanc: ~1 GB/s on loopback), so the archive writes are the only limit.
    """
    url = f"{node.dicomweb_url}/studies/{study_instance_uid}"
    with session_for(node, connections=1) as session:
        transfer.on_cancel(session.close)
        try:
            response = request(session, node, "GET", url, "the study retrieve",
                               headers={"Accept": ACCEPT_PART10}, stream=True)
            splitter = MultipartSplitter(_boundary(response.headers.get("Content-Type", "")), transfer.receive_file)
            try:
                for chunk in response.iter_content(chunk_size):
                    for part in splitter.feed(chunk):
                        transfer.file_soon(part)
                    if transfer.cancelled:
                        break
            finally:
                splitter.abandon()  # a part cut off (by an error or a cancel) leaves no file behind
        except requests.RequestException as error:
            if not transfer.cancelled:
                transfer.finish_writes()  # so the message counts what is really kept
                log.error("WADO-RS stream of %s from %s broke: %s", study_instance_uid, node.dicomweb_url, error)
                raise PacsError(
                    f"The DICOMweb server {node.dicomweb_url} broke off the transfer; "
                    f"{transfer.received_instances} instances received are kept; retry to fetch the rest."
                ) from error
        finally:
            transfer.forget_cancel_action(session.close)
            transfer.finish_writes()
    if transfer.cancelled:
        raise RetrieveCancelled(f"Retrieve from {node.dicomweb_url} cancelled; what arrived is kept.")
    if not splitter.finished:
        raise PacsError(f"The DICOMweb server {node.dicomweb_url} ended the transfer early; "
                        f"{transfer.received_instances} instances received are kept; retry to fetch the rest.")
