"""Sending objects to a PACS: C-STORE (DIMSE, TLS when the node asks) and STOW-RS (DICOMweb).

Files are sent as they are on disk (no decode, no re-encode). ``instance_on_pacs`` checks whether a
PACS already holds an instance, which the outbox uses to never send the same object twice.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydicom.dataset import Dataset
from pynetdicom import build_context

from workstation.core.stored_file import read_stored
from workstation.net.association import association
from workstation.net.dicomweb import DICOM_JSON, qido, request, session_for
from workstation.net.errors import PacsError
from workstation.net.find import c_find
from workstation.settings.pacs_nodes import LocalNode, PacsNode

log = logging.getLogger(__name__)

_FAILED_SOP_SEQUENCE = "00081198"
Confirmation = Callable[[str], None]


@dataclass(frozen=True)
class OutgoingInstance:
    """A Part 10 file to send, with the UIDs needed to negotiate and to look it up on the PACS."""

    path: Path
    sop_class_uid: str
    sop_instance_uid: str
    study_instance_uid: str
    series_instance_uid: str
    transfer_syntax_uid: str


def c_store(node: PacsNode, local: LocalNode, instances: list[OutgoingInstance], confirmed: Confirmation) -> None:
    """Send the instances on one association, calling ``confirmed(uid)`` as soon as the PACS confirms each."""
    pairs = sorted({(item.sop_class_uid, item.transfer_syntax_uid) for item in instances})
    contexts = [build_context(sop_class, syntax) for sop_class, syntax in pairs]
    with association(node, local, contexts) as assoc:
        for message_id, item in enumerate(instances, start=1):
            status = assoc.send_c_store(item.path, msg_id=message_id)
            if not status:
                raise PacsError(f"PACS {node.name!r} did not confirm storing an object; it will be sent again.")
            if status.Status in (0x0000, 0xB000, 0xB007, 0xB006):
                confirmed(item.sop_instance_uid)
            else:
                log.error("C-STORE of %s to %s: status 0x%04X", item.sop_instance_uid, node.address, status.Status)
                raise PacsError(f"PACS {node.name!r} refused to store an object (status 0x{status.Status:04X}).")


def stow_rs(node: PacsNode, instances: list[OutgoingInstance], confirmed: Confirmation) -> None:
    """POST the instances as one multipart/related request; ``confirmed(uid)`` for each one accepted."""
    boundary = uuid.uuid4().hex
    parts = []
    for item in instances:
        parts += [f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode("ascii"), read_stored(item.path), b"\r\n"]
    parts.append(f"--{boundary}--\r\n".encode("ascii"))
    headers = {"Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}', "Accept": DICOM_JSON}
    with session_for(node) as session:
        response = request(session, node, "POST", f"{node.dicomweb_url}/studies", "storing objects",
                           data=b"".join(parts), headers=headers)
    failed: set[str] = set()
    if response.content:
        answer = response.json()
        for entry in answer.get(_FAILED_SOP_SEQUENCE, {}).get("Value", []):
            failed.update(entry.get("00081155", {}).get("Value", []))
    for item in instances:
        if item.sop_instance_uid not in failed:
            confirmed(item.sop_instance_uid)
    if failed:
        log.error("STOW-RS to %s: %d instances failed", node.dicomweb_url, len(failed))
        raise PacsError(f"The DICOMweb server refused {len(failed)} of {len(instances)} objects; they stay in the outbox.")


def send(node: PacsNode, local: LocalNode, instances: list[OutgoingInstance], confirmed: Confirmation) -> None:
    """Send by the node's protocol: STOW-RS for DICOMweb nodes, C-STORE otherwise."""
    if node.retrieve_method == "web":
        stow_rs(node, instances, confirmed)
    else:
        c_store(node, local, instances, confirmed)


def instance_on_pacs(node: PacsNode, local: LocalNode, item: OutgoingInstance) -> bool:
    match = {"StudyInstanceUID": item.study_instance_uid, "SeriesInstanceUID": item.series_instance_uid,
             "SOPInstanceUID": item.sop_instance_uid}
    if node.retrieve_method == "web":
        path = f"studies/{item.study_instance_uid}/series/{item.series_instance_uid}/instances"
        found: list[Dataset] = qido(node, path, "IMAGE", {"SOPInstanceUID": item.sop_instance_uid})
    else:
        found = c_find(node, local, "IMAGE", match)
    return any(str(dataset.get("SOPInstanceUID", "")) == item.sop_instance_uid for dataset in found)
