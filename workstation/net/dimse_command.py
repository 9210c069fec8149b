"""DIMSE command sets (PS3.7 E.1) read and written directly: a few implicit VR little endian elements.

A command set is group 0000 only, always implicit VR little endian; reading the handful of elements a
C-GET needs from the bytes costs microseconds where building a pydicom Dataset per message costs far more.
"""

from __future__ import annotations

import struct

C_STORE_RQ, C_STORE_RSP = 0x0001, 0x8001
C_GET_RQ, C_GET_RSP = 0x0010, 0x8010
C_MOVE_RQ, C_MOVE_RSP = 0x0021, 0x8021
C_ECHO_RQ, C_ECHO_RSP = 0x0030, 0x8030
NO_DATA_SET = 0x0101
_ELEMENT = struct.Struct("<HHI")
_US = struct.Struct("<H")
_UL = struct.Struct("<I")

Command = dict[str, "int | str"]  # a command set's elements by keyword

# (0000,eeee) element number -> keyword, for the elements read here
US_ELEMENTS = {
    0x0100: "CommandField", 0x0110: "MessageID", 0x0120: "MessageIDBeingRespondedTo", 0x0700: "Priority",
    0x0800: "CommandDataSetType", 0x0900: "Status", 0x1020: "NumberOfRemainingSuboperations",
    0x1021: "NumberOfCompletedSuboperations", 0x1022: "NumberOfFailedSuboperations",
    0x1023: "NumberOfWarningSuboperations", 0x1031: "MoveOriginatorMessageID",
}
TEXT_ELEMENTS = {
    0x0002: "AffectedSOPClassUID", 0x0902: "ErrorComment", 0x1000: "AffectedSOPInstanceUID",
    0x1030: "MoveOriginatorApplicationEntityTitle",
}


def read_command(data: bytes | memoryview) -> Command:
    """The known elements of an encoded command set, by keyword (UIDs and texts without padding)."""
    elements: Command = {}
    position, end = 0, len(data)
    while position + _ELEMENT.size <= end:
        group, element, length = _ELEMENT.unpack_from(data, position)
        position += _ELEMENT.size
        value = data[position:position + length]
        position += length
        if group != 0x0000:
            continue
        if element in US_ELEMENTS and length == 2:
            elements[US_ELEMENTS[element]] = _US.unpack(value)[0]
        elif element in TEXT_ELEMENTS:
            elements[TEXT_ELEMENTS[element]] = bytes(value).rstrip(b"\x00 ").decode("ascii", "replace")
    return elements


def _us(element: int, value: int) -> bytes:
    return _ELEMENT.pack(0, element, 2) + _US.pack(value)


def _uid(element: int, value: str) -> bytes:
    encoded = value.encode("ascii")
    if len(encoded) % 2:
        encoded += b"\x00"
    return _ELEMENT.pack(0, element, len(encoded)) + encoded


def _with_group_length(elements: bytes) -> bytes:
    return _ELEMENT.pack(0, 0x0000, 4) + _UL.pack(len(elements)) + elements


def retrieve_request(command_field: int, sop_class_uid: str, message_id: int, move_destination: str = "") -> bytes:
    """A C-GET-RQ or C-MOVE-RQ command (medium priority; an identifier data set follows)."""
    destination = b""
    if move_destination:
        title = move_destination.encode("ascii").ljust(16)
        destination = _ELEMENT.pack(0, 0x0600, len(title)) + title
    return _with_group_length(_uid(0x0002, sop_class_uid) + _us(0x0100, command_field) + _us(0x0110, message_id)
                              + destination + _us(0x0700, 0) + _us(0x0800, 0x0000))


def response(command_field: int, sop_class_uid: str, message_id: int, status: int, sop_instance_uid: str = "") -> bytes:
    """A response command (no data set) answering the request ``message_id``: C-STORE-RSP, C-ECHO-RSP..."""
    return _with_group_length(
        _uid(0x0002, sop_class_uid) + _us(0x0100, command_field) + _us(0x0120, message_id) + _us(0x0800, NO_DATA_SET)
        + _us(0x0900, status) + (_uid(0x1000, sop_instance_uid) if sop_instance_uid else b"")
    )
