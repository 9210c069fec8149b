"""WADO-RS retrieval: one request per instance, several in parallel, middle slice first.

Per-instance requests let the PACS serve from many threads at once, make resume exact (only missing
instances are asked for) and put the middle slice on disk first. Each answer is a one-part
multipart/related body; the part's bytes are the Part 10 file, stored without decoding.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

import requests

from workstation.net.dicomweb import request, session_for
from workstation.net.errors import PacsError, RetrieveCancelled
from workstation.net.query_results import RemoteInstance, middle_first
from workstation.net.transfer import Transfer
from workstation.settings.pacs_nodes import PacsNode

log = logging.getLogger(__name__)

ACCEPT_PART10 = 'multipart/related; type="application/dicom"; transfer-syntax=*'
PARALLEL_REQUESTS = 8


def single_part(body: bytes, content_type: str) -> bytes:
    """The payload of a one-part multipart/related body (or the body itself when not multipart)."""
    if not content_type.lower().startswith("multipart/"):
        return body
    splitter = MultipartSplitter(_boundary(content_type))
    parts = splitter.feed(body)
    if len(parts) != 1 or not splitter.finished:
        raise PacsError("The DICOMweb server sent a malformed multipart answer; the instance was not stored.")
    return parts[0]


def instance_url(node: PacsNode, instance: RemoteInstance) -> str:
    return (f"{node.dicomweb_url}/studies/{instance.study_instance_uid}/series/{instance.series_instance_uid}"
            f"/instances/{instance.sop_instance_uid}")


def wado_rs(node: PacsNode, wanted: list[RemoteInstance], transfer: Transfer,
            parallel: int = PARALLEL_REQUESTS) -> None:
    ordered = middle_first(wanted)
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
        if transfer.cancelled:
            return
        response = request(session(), node, "GET", instance_url(node, instance), "an instance retrieve",
                           headers={"Accept": ACCEPT_PART10})
        transfer.store(single_part(response.content, response.headers.get("Content-Type", "")))

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


class MultipartSplitter:
    """Cuts a multipart/related byte stream into its parts as chunks arrive, without holding the whole body."""

    def __init__(self, boundary: str) -> None:
        self._delimiter = b"\r\n--" + boundary.encode("ascii")
        self._buffer = bytearray(b"\r\n")  # the body starts with the delimiter minus its leading CRLF
        self._searched = 0
        self._in_part = False
        self.finished = False

    def feed(self, chunk: bytes) -> list[bytes]:
        self._buffer += chunk
        parts: list[bytes] = []
        while not self.finished:
            if not self._in_part:
                start = self._buffer.find(self._delimiter)
                if start < 0 or len(self._buffer) < start + len(self._delimiter) + 2:
                    break
                after = start + len(self._delimiter)
                if self._buffer[after:after + 2] == b"--":
                    self.finished = True
                    break
                headers_end = self._buffer.find(b"\r\n\r\n", after)
                if headers_end < 0:
                    break
                del self._buffer[:headers_end + 4]
                self._in_part, self._searched = True, 0
            end = self._buffer.find(self._delimiter, self._searched)
            if end < 0:
                self._searched = max(0, len(self._buffer) - len(self._delimiter))
                break
            parts.append(bytes(self._buffer[:end]))
            del self._buffer[:end]
            self._in_part = False
        return parts


def _boundary(content_type: str) -> str:
    for item in content_type.split(";")[1:]:
        key, _, value = item.strip().partition("=")
        if key.lower() == "boundary":
            return value.strip('"')
    raise PacsError("The DICOMweb server answered without a multipart boundary; nothing could be stored.")


def wado_rs_stream(node: PacsNode, study_instance_uid: str, transfer: Transfer, chunk_size: int = 1 << 20) -> None:
    """Retrieve a whole study as one streamed multipart answer; parts go to the archive writers as they arrive.

    The fastest path for a study the archive does not hold yet: no instance listing first, and the PACS
    streams from one request (Orthanc: ~1 GB/s on loopback), so the archive writes are the only limit.
    """
    url = f"{node.dicomweb_url}/studies/{study_instance_uid}"
    with session_for(node, connections=1) as session:
        transfer.on_cancel(session.close)
        try:
            response = request(session, node, "GET", url, "the study retrieve",
                               headers={"Accept": ACCEPT_PART10}, stream=True)
            splitter = MultipartSplitter(_boundary(response.headers.get("Content-Type", "")))
            for chunk in response.iter_content(chunk_size):
                for part in splitter.feed(chunk):
                    transfer.store_soon(part)
                if transfer.cancelled:
                    break
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
