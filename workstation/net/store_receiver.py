"""Incoming C-STORE requests on a lean association (C-GET sub-operations, or our storage SCP), kept as they arrive.

A C-STORE's data set arrives in fragments; each goes straight to a sink (an archive file for a retrieve,
see ``FileSink``) after a Part 10 header made from the request, without joining or decoding. Other
messages (the C-GET's responses, a C-ECHO) are handed to the caller, who says when to stop.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable
from typing import Protocol

from pynetdicom import PYNETDICOM_IMPLEMENTATION_UID, PYNETDICOM_IMPLEMENTATION_VERSION

from workstation.core.errors import WorkstationError
from workstation.net.dimse_command import (
    C_STORE_RQ,
    C_STORE_RSP,
    NO_DATA_SET,
    Command,
    read_command,
    response,
)
from workstation.net.next_file import NextFile
from workstation.net.transfer import Transfer
from workstation.net.upper_layer import AcceptedContext, UpperLayerAssociation

log = logging.getLogger(__name__)

SOP_CLASS_NOT_SUPPORTED = 0x0122
_SHORT_ELEMENT = struct.Struct("<HH2sH")

Answer = Callable[[int], None]


class StoreSink(Protocol):
    """Where one incoming instance goes: ``write`` each fragment but the last, then ``finish`` with it."""

    def write(self, piece: memoryview) -> None: ...
    def finish(self, piece: memoryview, answer: Answer) -> None: ...
    def discard(self) -> None: ...


class FileSink:
    """An instance written into an archive file as it arrives, then queued for filing by ``transfer``.

    With ``answer_first`` the C-STORE response goes out before the last fragment is written, so the peer
    prepares the next instance meanwhile (for a C-GET, whose final response this same thread reads after
    the file is queued); a file that then fails to be written never counts as received. Our storage SCP
    answers after queuing instead: the C-MOVE's final response, read by another thread, must not overtake it.
    Either way the file for the next instance is opened last, while the peer prepares it (``NextFile``).
    """

    def __init__(self, files: NextFile, header: bytes, transfer: Transfer, answer_first: bool = False) -> None:
        self._files, self._transfer, self._answer_first = files, transfer, answer_first
        self._received = files.take()
        self.write(header)

    def write(self, piece: bytes | memoryview) -> None:
        try:
            self._received.write(piece)
        except WorkstationError as error:  # the file removed itself; the transfer's end says why it is missing
            self._transfer.store_errors.append(str(error))
            raise

    def finish(self, piece: memoryview, answer: Answer) -> None:
        if self._answer_first:
            answer(0x0000)
        self.write(piece)
        try:
            self._received.close()
        except WorkstationError as error:
            self._transfer.store_errors.append(str(error))
            raise
        self._transfer.file_soon(self._received)
        if not self._answer_first:
            answer(0x0000)
        self._files.prepare()

    def discard(self) -> None:
        self._received.discard()


OpenSink = Callable[[Command, AcceptedContext], "StoreSink | None"]
OnCommand = Callable[[Command, int], "Command | None"]


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


def request_header(request: Command, context: AcceptedContext) -> bytes:
    return part10_header(str(request.get("AffectedSOPClassUID", "")), str(request.get("AffectedSOPInstanceUID", "")),
                         context.transfer_syntax)


def _padded(value: str, pad: bytes) -> bytes:
    encoded = value.encode("ascii")
    return encoded + pad if len(encoded) % 2 else encoded


def _element(number: int, vr: bytes, value: bytes) -> bytes:
    if vr == b"OB":
        return struct.pack("<HH2sHI", 0x0002, number, vr, 0, len(value)) + value
    return _SHORT_ELEMENT.pack(0x0002, number, vr, len(value)) + value


def receive(assoc: UpperLayerAssociation, open_sink: OpenSink, on_command: OnCommand) -> Command:
    """Keep the C-STOREs that arrive (each into ``open_sink(request, context)``; None refuses it) and hand every
    other command to ``on_command(command, context_id)`` until that returns one (after its data set, if any).

    Raises ``ConnectionLost`` when the association ends first (``AssociationReleased`` for a release), and
    a sink's error when an instance cannot be kept; an instance cut off either way leaves nothing behind.
    """
    pdvs = assoc.receive()
    command = bytearray()
    sink: StoreSink | None = None  # the instance being received
    storing: Command = {}  # its request...
    storing_context = 0  # ...and the context it came on (0: no C-STORE in progress)
    final: Command | None = None  # the caller's last command, its data set still arriving
    try:
        while True:
            value = next(pdvs)
            if value.is_command:
                command += value.value
                if not value.is_last:
                    continue
                fields = read_command(command)
                command = bytearray()
                if fields.get("CommandField") == C_STORE_RQ:
                    storing, storing_context = fields, value.context_id
                    accepted = assoc.accepted.get(value.context_id)
                    if accepted is not None and accepted.abstract_syntax == fields.get("AffectedSOPClassUID"):
                        sink = open_sink(fields, accepted)
                    continue
                final = on_command(fields, value.context_id)
                if final is not None and fields.get("CommandDataSetType", NO_DATA_SET) == NO_DATA_SET:
                    return final
            elif sink is not None:
                if not value.is_last:
                    sink.write(value.value)
                    continue
                received, sink = sink, None
                received.finish(value.value, _answerer(assoc, storing_context, storing))
                storing_context = 0
            elif value.is_last and storing_context:  # a C-STORE refused: its data set was dropped
                log.error("C-STORE of SOP class %s from %s refused (not negotiated or not wanted)",
                          storing.get("AffectedSOPClassUID"), assoc.peer)
                _answerer(assoc, storing_context, storing)(SOP_CLASS_NOT_SUPPORTED)
                storing_context = 0
            elif value.is_last and final is not None:
                return final
    finally:
        if sink is not None:
            sink.discard()


def _answerer(assoc: UpperLayerAssociation, context_id: int, request: Command) -> Answer:
    def answer(status: int) -> None:
        assoc.send_message(context_id, response(
            C_STORE_RSP, str(request.get("AffectedSOPClassUID", "")), int(request.get("MessageID", 0)), status,
            str(request.get("AffectedSOPInstanceUID", ""))))

    return answer
