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
    parameters = dict(
        item.strip().split("=", 1) for item in content_type.split(";")[1:] if "=" in item
    )
    boundary = parameters.get("boundary", "").strip('"')
    if not content_type.lower().startswith("multipart/") or not boundary:
        return body
    delimiter = b"--" + boundary.encode("ascii")
    start = body.find(delimiter)
    header_end = body.find(b"\r\n\r\n", start)
    end = body.find(b"\r\n" + delimiter, header_end + 4)
    if start < 0 or header_end < 0 or end < 0:
        raise PacsError("The DICOMweb server sent a malformed multipart answer; the instance was not stored.")
    return body[header_end + 4:end]


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
