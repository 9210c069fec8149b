"""The index fields of a Part 10 file read in one pass over its element headers, without pydicom.

pydicom builds a Dataset and converts values through several layers (about 1 ms per CT header, all
of it holding the GIL, which stalls a network receive running beside it); the index needs 18 short
text values and where the pixel data starts. This scanner handles little-endian files (explicit or
implicit VR, native or encapsulated pixel data) with plain ASCII values, and answers None for
anything else - big endian, deflate, non-ASCII or multi-valued text, a malformed or cut-short header -
so the caller reads those with pydicom, which also words the errors.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

PREAMBLE_AND_PREFIX = 132
META_GROUP = 0x0002
TRANSFER_SYNTAX = 0x00020010
IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2"
EXPLICIT_VR_BIG_ENDIAN = "1.2.840.10008.1.2.2"
DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1.99"
PIXEL_DATA_TAGS = frozenset({0x7FE00008, 0x7FE00009, 0x7FE00010})  # where pydicom's stop_before_pixels stops
ITEM, ITEM_DELIMITER, SEQUENCE_DELIMITER = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
UNDEFINED_LENGTH = 0xFFFFFFFF
LONG_VRS = frozenset({b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"UN", b"SQ", b"UC", b"UR", b"UT"})
SHORT_VRS = frozenset({b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FL", b"FD", b"IS", b"LO", b"LT",
                       b"PN", b"SH", b"SL", b"SS", b"ST", b"SV", b"TM", b"UI", b"UL", b"US", b"UV"})
INTEGER_KEYWORDS = frozenset({"SeriesNumber", "InstanceNumber"})

META_FIELDS = {
    0x00020002: "MediaStorageSOPClassUID",
    0x00020003: "MediaStorageSOPInstanceUID",
    TRANSFER_SYNTAX: "TransferSyntaxUID",
}
DATASET_FIELDS = {
    0x00080016: "SOPClassUID",
    0x00080018: "SOPInstanceUID",
    0x00080020: "StudyDate",
    0x00080030: "StudyTime",
    0x00080050: "AccessionNumber",
    0x00080060: "Modality",
    0x00081030: "StudyDescription",
    0x0008103E: "SeriesDescription",
    0x00100010: "PatientName",
    0x00100020: "PatientID",
    0x00100021: "IssuerOfPatientID",
    0x00100030: "PatientBirthDate",
    0x00100040: "PatientSex",
    0x00180015: "BodyPartExamined",
    0x0020000D: "StudyInstanceUID",
    0x0020000E: "SeriesInstanceUID",
    0x00200011: "SeriesNumber",
    0x00200013: "InstanceNumber",
}

_explicit_short = struct.Struct("<HH2sH")
_implicit = struct.Struct("<HHL")
_long_length = struct.Struct("<L")
_group = struct.Struct("<H")


class _NotScannable(Exception):
    """The file needs pydicom (unusual encoding or damage); never leaves this module."""


@dataclass(frozen=True)
class ScannedHeader:
    """Text values by keyword (file meta and dataset levels), and the offset of the pixel data element."""

    meta: dict[str, str]
    values: dict[str, str]
    pixel_data_offset: int

    @property
    def transfer_syntax(self) -> str:
        return self.meta.get("TransferSyntaxUID", "")


def scan_header(data: bytes) -> ScannedHeader | None:
    """The index fields of a Part 10 file (preamble and "DICM" already checked), or None: read it with pydicom."""
    try:
        meta: dict[str, str] = {}
        position = _walk(data, PREAMBLE_AND_PREFIX, False, META_FIELDS, meta, meta_only=True)
        syntax = meta.get("TransferSyntaxUID")
        if not syntax or syntax in (EXPLICIT_VR_BIG_ENDIAN, DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN):
            return None
        values: dict[str, str] = {}
        offset = _walk(data, position, syntax == IMPLICIT_VR_LITTLE_ENDIAN, DATASET_FIELDS, values)
        return ScannedHeader(meta, values, offset)
    except (_NotScannable, struct.error, RecursionError):
        return None


def _walk(data: bytes, position: int, implicit: bool, wanted: dict[int, str], found: dict[str, str],
          meta_only: bool = False) -> int:
    """Read top-level elements from ``position``, keeping the ``wanted`` ones; return where it stopped.

    It stops at the pixel data (or at the end of the file; for the file meta, at the first non-meta group).
    """
    end = len(data)
    while position < end:
        if meta_only and _group.unpack_from(data, position)[0] != META_GROUP:
            return position  # the dataset may use another encoding: look at its group only
        tag, value_at, length, vr = _element(data, position, implicit)
        if tag in PIXEL_DATA_TAGS:
            return position
        if length == UNDEFINED_LENGTH:
            if tag in wanted or (not implicit and vr not in (b"SQ", b"UN", b"OB", b"OW")):
                raise _NotScannable
            position = _skip_items(data, value_at, implicit or vr == b"UN")
            continue
        position = value_at + length
        if position > end:
            raise _NotScannable
        keyword = wanted.get(tag)
        if keyword is not None:
            found[keyword] = _text(data[value_at:position], keyword)
    return position


def _element(data: bytes, position: int, implicit: bool) -> tuple[int, int, int, bytes]:
    """(tag, where the value starts, value length, VR or b"" when implicit) of the element at ``position``."""
    if implicit:
        group, element, length = _implicit.unpack_from(data, position)
        return group << 16 | element, position + 8, length, b""
    group, element, vr, length = _explicit_short.unpack_from(data, position)
    tag = group << 16 | element
    if group == 0xFFFE:  # items and delimiters carry no VR, even in explicit VR data
        (length,) = _long_length.unpack_from(data, position + 4)
        return tag, position + 8, length, b""
    if vr in LONG_VRS:
        (length,) = _long_length.unpack_from(data, position + 8)
        return tag, position + 12, length, vr
    if vr not in SHORT_VRS:
        raise _NotScannable
    return tag, position + 8, length, vr


def _skip_items(data: bytes, position: int, implicit: bool) -> int:
    """Skip the items of an undefined-length sequence (or encapsulated fragments) up to its delimiter."""
    while True:
        tag, value_at, length, _vr = _element(data, position, True)
        if tag == SEQUENCE_DELIMITER:
            return value_at
        if tag != ITEM:
            raise _NotScannable
        if length != UNDEFINED_LENGTH:
            position = value_at + length
            continue
        position = value_at
        while True:  # an undefined-length item: its elements, up to the item delimiter
            tag, value_at, length, vr = _element(data, position, implicit)
            if tag == ITEM_DELIMITER:
                position = value_at
                break
            if length == UNDEFINED_LENGTH:
                position = _skip_items(data, value_at, implicit or vr == b"UN")
            else:
                position = value_at + length
            if position > len(data):
                raise _NotScannable


def _text(value: bytes, keyword: str) -> str:
    """A plain ASCII value, trimmed as pydicom plus the index trim it; anything fancier goes to pydicom."""
    if b"\\" in value or b"\x1b" in value or not value.isascii():
        raise _NotScannable  # several values, or a character set to apply
    text = value.decode("ascii").strip("\0 ")
    if keyword in INTEGER_KEYWORDS and text:
        try:
            int(text)
        except ValueError:
            raise _NotScannable from None
    return text
