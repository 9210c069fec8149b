"""The receiving side of one C-GET: its C-STORE sub-operations written to archive files as they arrive.

Each incoming instance's data set fragments are written straight into an archive file (after a Part 10
header made from the C-STORE request), which is then queued for filing; the C-STORE response goes back
at once, so the PACS sends the next instance while the archive files this one (as DCMTK's getscu does).
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable

from pynetdicom import PYNETDICOM_IMPLEMENTATION_UID, PYNETDICOM_IMPLEMENTATION_VERSION

from workstation.net.dimse_command import (
    C_GET_RSP,
    C_STORE_RQ,
    NO_DATA_SET,
    c_store_response,
    read_command,
)
from workstation.net.transfer import ReceivedFile, Transfer
from workstation.net.upper_layer import UpperLayerAssociation

log = logging.getLogger(__name__)

PENDING = (0xFF00, 0xFF01)
_SOP_CLASS_NOT_SUPPORTED = 0x0122
_SHORT_ELEMENT = struct.Struct("<HH2sH")


def part10_header(sop_class_uid: str, sop_instance_uid: str, transfer_syntax_uid: str) -> bytes:
    """Preamble, prefix and File Meta Information (PS3.10 7.1) for a data set received by C-STORE."""
    elements = _element(0x0001, b"OB", b"\x00\x01") + b"".join(
        _element(number, vr, _padded(value, pad))
        for number, vr, value, pad in (
            (0x0002, b"UI", sop_class_uid, b"\x00"), (0x0003, b"UI", sop_instance_uid, b"\x00"),
            (0x0010, b"UI", transfer_syntax_uid, b"\x00"), (0x0012, b"UI", PYNETDICOM_IMPLEMENTATION_UID, b"\x00"),
            (0x0013, b"SH", PYNETDICOM_IMPLEMENTATION_VERSION, b" "),
        )
    )
    group_length = _SHORT_ELEMENT.pack(0x0002, 0x0000, b"UL", 4) + struct.pack("<I", len(elements))
    return b"\x00" * 128 + b"DICM" + group_length + elements


def _padded(value: str, pad: bytes) -> bytes:
    encoded = value.encode("ascii")
    return encoded + pad if len(encoded) % 2 else encoded


def _element(number: int, vr: bytes, value: bytes) -> bytes:
    if vr == b"OB":
        return struct.pack("<HH2sHI", 0x0002, number, vr, 0, len(value)) + value
    return _SHORT_ELEMENT.pack(0x0002, number, vr, len(value)) + value


def receive_until_final(assoc: UpperLayerAssociation, transfer: Transfer,
                        new_file: Callable[[], ReceivedFile]) -> dict[str, int | str]:
    """Store the C-STOREs that arrive until the C-GET's final (not pending) response; returns its command.

    Each instance is written into a ``new_file()`` (an archive file, see ``files_ahead``), then filed.

    Raises ``ConnectionLost`` when the association ends first, and the archive's error when a file cannot
    be written; an instance cut off either way leaves no file behind.
    """
    command = bytearray()
    incoming: ReceivedFile | None = None  # the instance being received
    store_request: dict[str, int | str] = {}
    final: dict[str, int | str] | None = None  # a final response whose data set is still arriving
    refused_context = 0  # a C-STORE on a context we did not accept: its data set is read and dropped
    try:
        for value in assoc.receive():
            if value.is_command:
                command += value.value
                if not value.is_last:
                    continue
                fields = read_command(command)
                command = bytearray()
                field = fields.get("CommandField")
                if field == C_STORE_RQ:
                    store_request = fields
                    accepted = assoc.accepted.get(value.context_id)
                    if accepted is None or accepted.abstract_syntax != fields.get("AffectedSOPClassUID"):
                        refused_context = value.context_id
                        continue
                    incoming = new_file()
                    incoming.write(part10_header(str(fields.get("AffectedSOPClassUID", "")),
                                                 str(fields.get("AffectedSOPInstanceUID", "")), accepted.transfer_syntax))
                elif field == C_GET_RSP:
                    if fields.get("Status") in PENDING:
                        continue
                    if fields.get("CommandDataSetType", NO_DATA_SET) == NO_DATA_SET:
                        return fields
                    final = fields  # its data set (failed SOP instances) follows; the count says enough
                else:
                    log.warning("unexpected DIMSE command 0x%04X during C-GET from %s ignored", field or 0,
                                assoc.node.address)
                continue
            if incoming is not None:
                if value.is_last:  # answer first, so the PACS prepares the next instance while this one is written
                    _answer(assoc, value.context_id, store_request, 0x0000)
                incoming.write(value.value)
                if value.is_last:
                    received, incoming = incoming, None
                    received.close()
                    transfer.file_soon(received)
            elif refused_context and value.is_last:
                log.error("C-STORE of SOP class %s on a context not accepted from %s refused",
                          store_request.get("AffectedSOPClassUID"), assoc.node.address)
                _answer(assoc, refused_context, store_request, _SOP_CLASS_NOT_SUPPORTED)
                refused_context = 0
            elif final is not None and value.is_last:
                return final
    finally:
        if incoming is not None:
            incoming.discard()
    raise AssertionError("UpperLayerAssociation.receive ends only by raising")


def _answer(assoc: UpperLayerAssociation, context_id: int, request: dict[str, int | str], status: int) -> None:
    assoc.send_message(context_id, c_store_response(
        str(request.get("AffectedSOPClassUID", "")), str(request.get("AffectedSOPInstanceUID", "")),
        int(request.get("MessageID", 0)), status))
