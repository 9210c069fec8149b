"""Hanging Protocol Query/Retrieve (PS3.4 Annex U) and storage of Hanging Protocol instances on a PACS.

A PACS with the Hanging Protocol Information Model is asked by C-FIND and C-GET, and sent instances by
C-STORE. Orthanc (our embedded and test PACS) has none of it: it refuses the Hanging Protocol SOP classes
at association and cannot index an object without patient, study and series. For such a PACS the
instances travel as ordinary objects over DICOMweb: stored by STOW-RS under one fixed patient, study and
series (``FALLBACK_*``), found by QIDO-RS on their SOP Class UID, fetched by WADO-RS. ``via`` says which.
"""

from __future__ import annotations

import io
import logging
import time
import uuid
from dataclasses import dataclass

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pynetdicom import build_context, build_role, evt
from pynetdicom.sop_class import (
    HangingProtocolInformationModelFind, HangingProtocolInformationModelGet, HangingProtocolStorage, Verification,
)

from workstation.net.association import association, lost_association_message
from workstation.net.dicomweb import DICOM_JSON, request, session_for
from workstation.net.errors import PacsError
from workstation.net.wado import single_part
from workstation.settings.pacs_nodes import LocalNode, PacsNode

log = logging.getLogger(__name__)

HANGING_PROTOCOL_QR = "hanging protocol Q/R"
DICOMWEB = "DICOMweb (as ordinary instances)"
FALLBACK_PATIENT_ID = "WORKSTATION-HANGING-PROTOCOLS"
FALLBACK_STUDY_INSTANCE_UID = "1.2.826.0.1.3680043.8.498.7263001"
FALLBACK_SERIES_INSTANCE_UID = "1.2.826.0.1.3680043.8.498.7263001.1"
_RETURN_KEYS = ("HangingProtocolName", "HangingProtocolDescription", "HangingProtocolLevel", "HangingProtocolCreator",
                "HangingProtocolCreationDateTime", "NumberOfPriorsReferenced")
_PENDING = (0xFF00, 0xFF01)


class HangingProtocolQrUnsupported(PacsError):
    """The PACS refused the Hanging Protocol SOP classes (and has no DICOMweb to fall back on)."""


@dataclass(frozen=True)
class RemoteHangingProtocol:
    sop_instance_uid: str
    name: str
    description: str
    level: str
    creator: str
    via: str  # HANGING_PROTOCOL_QR or DICOMWEB


def find_hanging_protocols(node: PacsNode, local: LocalNode) -> list[RemoteHangingProtocol]:
    """Every Hanging Protocol instance on the PACS: by HP C-FIND, else by QIDO-RS on the SOP class."""
    if not _web_only(node):
        try:
            return _c_find(node, local)
        except HangingProtocolQrUnsupported:
            if not node.dicomweb_url:
                raise
            log.info("%s has no hanging protocol Q/R; querying DICOMweb", node.address)
    answers = _qido(node)
    return [_remote(item, DICOMWEB) for item in answers]


def retrieve_hanging_protocol(node: PacsNode, local: LocalNode, remote: RemoteHangingProtocol) -> Dataset:
    """The instance itself (by HP C-GET, or WADO-RS for those found over DICOMweb)."""
    if remote.via == DICOMWEB:
        url = (f"{node.dicomweb_url}/studies/{FALLBACK_STUDY_INSTANCE_UID}/series/{FALLBACK_SERIES_INSTANCE_UID}"
               f"/instances/{remote.sop_instance_uid}")
        with session_for(node) as session:
            response = request(session, node, "GET", url, "fetching a hanging protocol",
                               headers={"Accept": 'multipart/related; type="application/dicom"'})
        return _parse(single_part(response.content, response.headers.get("Content-Type", "")), node)
    return _c_get(node, local, remote.sop_instance_uid)


def store_hanging_protocol(node: PacsNode, local: LocalNode, dataset: Dataset) -> str:
    """Send one Hanging Protocol instance; returns how it went (``via``)."""
    if not _web_only(node):
        try:
            _c_store(node, local, dataset)
            return HANGING_PROTOCOL_QR
        except HangingProtocolQrUnsupported:
            if not node.dicomweb_url:
                raise
            log.info("%s refuses Hanging Protocol Storage; storing it as an ordinary instance over STOW-RS",
                     node.address)
    _stow(node, _as_ordinary_instance(dataset))
    return DICOMWEB


def _web_only(node: PacsNode) -> bool:
    return node.retrieve_method == "web" or not node.aet


# --- DIMSE -------------------------------------------------------------------------------------------

def _require(assoc, abstract_syntax: str, node: PacsNode) -> None:
    if not any(cx.abstract_syntax == abstract_syntax for cx in assoc.accepted_contexts):
        raise HangingProtocolQrUnsupported(
            f"PACS {node.name!r} does not support hanging protocol query/retrieve; give it a DICOMweb address "
            "to keep hanging protocols there as ordinary instances.")


def _c_find(node: PacsNode, local: LocalNode) -> list[RemoteHangingProtocol]:
    query = Dataset()
    query.SOPClassUID = ""
    query.SOPInstanceUID = ""
    for keyword in _RETURN_KEYS:
        setattr(query, keyword, None)
    found: list[RemoteHangingProtocol] = []
    contexts = [build_context(HangingProtocolInformationModelFind), build_context(Verification)]
    with association(node, local, contexts) as assoc:
        _require(assoc, HangingProtocolInformationModelFind, node)
        last_message_at = time.monotonic()
        for status, answer in assoc.send_c_find(query, HangingProtocolInformationModelFind):
            if not status:
                raise PacsError(lost_association_message(node, assoc, "the hanging protocol query", last_message_at))
            last_message_at = time.monotonic()
            if status.Status in _PENDING and answer is not None:
                found.append(_remote(answer, HANGING_PROTOCOL_QR))
            elif status.Status not in _PENDING and status.Status != 0x0000:
                raise PacsError(f"PACS {node.name!r} could not list its hanging protocols "
                                f"(status 0x{status.Status:04X}).")
    return found


def _c_get(node: PacsNode, local: LocalNode, sop_instance_uid: str) -> Dataset:
    received: list[Dataset] = []

    def on_store(event) -> int:
        received.append(event.dataset)
        return 0x0000

    query = Dataset()
    query.SOPInstanceUID = sop_instance_uid
    contexts = [build_context(HangingProtocolInformationModelGet), build_context(HangingProtocolStorage),
                build_context(Verification)]
    with association(node, local, contexts, ext_neg=[build_role(HangingProtocolStorage, scp_role=True)],
                      evt_handlers=[(evt.EVT_C_STORE, on_store)]) as assoc:
        _require(assoc, HangingProtocolInformationModelGet, node)
        for status, _ in assoc.send_c_get(query, HangingProtocolInformationModelGet):
            if not status:
                raise PacsError(f"The connection to PACS {node.name!r} was lost while fetching a hanging protocol.")
            if status.Status not in _PENDING and status.Status != 0x0000:
                raise PacsError(f"PACS {node.name!r} could not send the hanging protocol (status 0x{status.Status:04X}).")
    if not received:
        raise PacsError(f"PACS {node.name!r} has no hanging protocol {sop_instance_uid}.")
    return received[0]


def _c_store(node: PacsNode, local: LocalNode, dataset: Dataset) -> None:
    contexts = [build_context(HangingProtocolStorage), build_context(Verification)]
    with association(node, local, contexts) as assoc:
        _require(assoc, HangingProtocolStorage, node)
        status = assoc.send_c_store(dataset)
        if not status or status.Status not in (0x0000, 0xB000, 0xB006, 0xB007):
            code = f"status 0x{status.Status:04X}" if status else "no answer"
            raise PacsError(f"PACS {node.name!r} did not store the hanging protocol ({code}).")


# --- DICOMweb fallback -------------------------------------------------------------------------------

def _qido(node: PacsNode) -> list[Dataset]:
    params = [("SOPClassUID", HangingProtocolStorage)] + [("includefield", keyword) for keyword in _RETURN_KEYS]
    with session_for(node) as session:
        response = request(session, node, "GET", f"{node.dicomweb_url}/instances", "the hanging protocol query",
                           params=params, headers={"Accept": DICOM_JSON})
    if response.status_code == 204 or not response.content:
        return []
    try:
        return [Dataset.from_json(item) for item in response.json()]
    except ValueError as error:
        raise PacsError(f"The DICOMweb server sent a query answer that is not DICOM JSON ({error}).") from error


def _as_ordinary_instance(dataset: Dataset) -> bytes:
    """The instance with the patient, study and series an ordinary archive needs to index it."""
    copy = Dataset(dataset)
    copy.file_meta = dataset.file_meta
    copy.PatientID = FALLBACK_PATIENT_ID
    copy.PatientName = "Hanging^Protocols"
    copy.StudyInstanceUID = FALLBACK_STUDY_INSTANCE_UID
    copy.SeriesInstanceUID = FALLBACK_SERIES_INSTANCE_UID
    copy.Modality = "OT"
    copy.StudyDescription = "Hanging protocols"
    buffer = io.BytesIO()
    copy.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _stow(node: PacsNode, encoded: bytes) -> None:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode("ascii") + encoded
            + f"\r\n--{boundary}--\r\n".encode("ascii"))
    headers = {"Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}',
               "Accept": DICOM_JSON}
    with session_for(node) as session:
        request(session, node, "POST", f"{node.dicomweb_url}/studies", "storing a hanging protocol",
                data=body, headers=headers)


def _parse(encoded: bytes, node: PacsNode) -> Dataset:
    try:
        return dcmread(io.BytesIO(encoded))
    except (InvalidDicomError, ValueError, EOFError) as error:
        raise PacsError(f"The hanging protocol from {node.name!r} is not a readable DICOM object ({error}).") from error


def _remote(answer: Dataset, via: str) -> RemoteHangingProtocol:
    return RemoteHangingProtocol(
        str(answer.get("SOPInstanceUID", "")), str(answer.get("HangingProtocolName", "")),
        str(answer.get("HangingProtocolDescription", "")), str(answer.get("HangingProtocolLevel", "")),
        str(answer.get("HangingProtocolCreator", "")), via,
    )
