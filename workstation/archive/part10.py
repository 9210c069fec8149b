"""Turning received or imported bytes into a DICOM Part 10 file fit to store, with the header fields the index needs.

Only the header is read (never the pixel data): by a lean scanner for the usual little-endian ASCII files
(about 0.1 ms for a CT header), by pydicom for the rest, so filing an instance costs well under a millisecond.
pydicom is imported only when needed (it takes ~0.2 s to import: a retrieve command rarely needs it).
"""

from __future__ import annotations

import io
import logging
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from workstation.archive.header_scan import (
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
    EXPLICIT_VR_BIG_ENDIAN,
    IMPLICIT_VR_LITTLE_ENDIAN,
    ScannedHeader,
    scan_header,
)
from workstation.core.errors import DicomReadError
from workstation.dicom.preamble import executable_preamble_kind

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

log = logging.getLogger(__name__)

PREAMBLE_LENGTH = 128
PART10_PREFIX = b"DICM"
MEDIA_STORAGE_DIRECTORY_STORAGE = "1.2.840.10008.1.3.10"
UNDEFINED_LENGTH = 0xFFFFFFFF
LONG_VRS = {b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"UN", b"SQ", b"UC", b"UR", b"UT"}
SEQUENCE_DELIMITER_LITTLE_ENDIAN = b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"
SEQUENCE_DELIMITER_BIG_ENDIAN = b"\xff\xfe\xe0\xdd\x00\x00\x00\x00"


class NotDicomError(DicomReadError):
    """The bytes hold no DICOM dataset at all (a README, a picture...), as opposed to a damaged DICOM file."""


@dataclass(frozen=True)
class InstanceHeader:
    """The attributes of one SOP instance that the index keeps (patient, study, series and instance levels)."""

    sop_instance_uid: str
    sop_class_uid: str
    study_instance_uid: str
    series_instance_uid: str
    patient_id: str
    issuer_of_patient_id: str
    patient_name: str
    patient_birth_date: str
    patient_sex: str
    study_date: str
    study_time: str
    accession_number: str
    study_description: str
    modality: str
    series_number: int | None
    series_description: str
    body_part_examined: str
    instance_number: int | None


@dataclass(frozen=True)
class Part10Instance:
    """What will be written to the store: a Part 10 file (preamble zeroed if it held an executable)."""

    header: InstanceHeader
    data: bytes
    warnings: tuple[str, ...]


def prepare_part10(data: bytes, source: object) -> Part10Instance:
    """Check and parse ``data`` (a whole file); ``source`` names it in messages (a path, or "received instance").

    Raises NotDicomError for bytes that are no DICOM at all, DicomReadError for a DICOM file that cannot
    be filed (unreadable header, no UIDs, a DICOMDIR).
    """
    warnings: list[str] = []
    if data[PREAMBLE_LENGTH : PREAMBLE_LENGTH + 4] == PART10_PREFIX:
        scanned = scan_header(data)
        if scanned is not None:
            header = _filed_header(_ScannedFields(scanned), source)
            pixel_data_offset, transfer_syntax = scanned.pixel_data_offset, scanned.transfer_syntax
        else:
            dataset, pixel_data_offset = _read_header(data, source)
            header = _filed_header(_DatasetFields(dataset), source)
            transfer_syntax = dataset.file_meta.get("TransferSyntaxUID")
        if _pixel_data_cut_short(data, pixel_data_offset, transfer_syntax):
            raise DicomReadError(source, "file is truncated (its pixel data ends early); get a complete copy")
        kind = executable_preamble_kind(data[:PREAMBLE_LENGTH])
        if kind is not None:
            data = bytes(PREAMBLE_LENGTH) + data[PREAMBLE_LENGTH:]
            warnings.append(
                f"its preamble held an executable header, {kind} (CVE-2019-11687); stored with the preamble zeroed"
            )
            log.warning("%s: executable header in the DICOM preamble (%s), zeroed before storing", source, kind)
    else:
        dataset = _read_bare_dataset(data, source)
        header = _filed_header(_DatasetFields(dataset), source)
        data = _as_part10(dataset, source)
        warnings.append("it had no DICOM Part 10 file header; stored with one added")
    return Part10Instance(header=header, data=data, warnings=tuple(warnings))


class _Fields(Protocol):
    """The header values the index needs, whoever read them (the fast scanner or pydicom)."""

    def text(self, keyword: str) -> str: ...
    def integer(self, keyword: str) -> int | None: ...
    def meta_text(self, keyword: str) -> str: ...


class _DatasetFields:
    def __init__(self, dataset: Dataset) -> None:
        self._dataset = dataset

    def text(self, keyword: str) -> str:
        return _text(self._dataset, keyword)

    def integer(self, keyword: str) -> int | None:
        return _integer(self._dataset, keyword)

    def meta_text(self, keyword: str) -> str:
        return _text(self._dataset.file_meta, keyword)


class _ScannedFields:
    def __init__(self, scanned: ScannedHeader) -> None:
        self._scanned = scanned

    def text(self, keyword: str) -> str:
        return self._scanned.values.get(keyword, "")

    def integer(self, keyword: str) -> int | None:
        value = self._scanned.values.get(keyword, "")
        return int(value) if value else None  # the scanner let only integers through

    def meta_text(self, keyword: str) -> str:
        return self._scanned.meta.get(keyword, "")


def _filed_header(fields: _Fields, source: object) -> InstanceHeader:
    if fields.meta_text("MediaStorageSOPClassUID") == MEDIA_STORAGE_DIRECTORY_STORAGE:
        raise DicomReadError(source, "is a DICOMDIR (an index of a medium), not an image: import the DICOMDIR itself")
    return _instance_header(fields, source)


def _instance_header(fields: _Fields, source: object) -> InstanceHeader:
    sop_instance_uid = fields.text("SOPInstanceUID") or fields.meta_text("MediaStorageSOPInstanceUID")
    if not sop_instance_uid:
        raise DicomReadError(source, "has no SOP Instance UID, so it cannot be filed")
    study_instance_uid = fields.text("StudyInstanceUID")
    series_instance_uid = fields.text("SeriesInstanceUID")
    if not study_instance_uid or not series_instance_uid:
        raise DicomReadError(source, "has no Study or Series Instance UID, so it cannot be filed")
    return InstanceHeader(
        sop_instance_uid=sop_instance_uid,
        sop_class_uid=fields.text("SOPClassUID") or fields.meta_text("MediaStorageSOPClassUID"),
        study_instance_uid=study_instance_uid,
        series_instance_uid=series_instance_uid,
        patient_id=fields.text("PatientID"),
        issuer_of_patient_id=fields.text("IssuerOfPatientID"),
        patient_name=fields.text("PatientName"),
        patient_birth_date=fields.text("PatientBirthDate"),
        patient_sex=fields.text("PatientSex"),
        study_date=fields.text("StudyDate"),
        study_time=fields.text("StudyTime"),
        accession_number=fields.text("AccessionNumber"),
        study_description=fields.text("StudyDescription"),
        modality=fields.text("Modality"),
        series_number=fields.integer("SeriesNumber"),
        series_description=fields.text("SeriesDescription"),
        body_part_examined=fields.text("BodyPartExamined"),
        instance_number=fields.integer("InstanceNumber"),
    )


def _read_header(data: bytes, source: object) -> tuple[Dataset, int]:
    """The dataset up to the pixel data, and the offset where the pixel data element starts (or the end)."""
    import pydicom

    buffer = io.BytesIO(data)
    try:
        return pydicom.dcmread(buffer, stop_before_pixels=True), buffer.tell()
    except EOFError:
        raise DicomReadError(source, "file is truncated (ends in the middle of the header)") from None
    except Exception as error:  # pydicom raises many types on malformed input; report, never crash
        raise DicomReadError(source, f"unreadable DICOM header ({type(error).__name__}: {error})") from error


def _pixel_data_cut_short(data: bytes, offset: int, transfer_syntax: str | None) -> bool:
    """True when the pixel data element's length (or its closing delimiter) runs past the end of the file.

    A header-only read cannot see this, and a cut-off transfer is the commonest damaged file.
    """
    if transfer_syntax == DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN:
        return False  # the offset is one in the inflated stream; zlib itself reports a cut stream when read
    if offset + 8 > len(data):
        return offset < len(data)
    end = _pixel_data_end(data, offset, transfer_syntax)
    if end is None:
        return data.rfind(_sequence_delimiter(transfer_syntax), offset) < 0
    return end > len(data)


def _pixel_data_end(data: bytes, offset: int, transfer_syntax: str | None) -> int | None:
    """Where the pixel data element at ``offset`` (its header within ``data``) ends; None: undefined length."""
    big_endian = transfer_syntax == EXPLICIT_VR_BIG_ENDIAN
    implicit_vr = transfer_syntax == IMPLICIT_VR_LITTLE_ENDIAN
    order = ">" if big_endian else "<"
    if implicit_vr:
        (length,), header_length = struct.unpack_from(order + "L", data, offset + 4), 8
    elif offset + 12 <= len(data) and data[offset + 4 : offset + 6] in LONG_VRS:
        (length,), header_length = struct.unpack_from(order + "L", data, offset + 8), 12
    else:
        (length,), header_length = struct.unpack_from(order + "H", data, offset + 6), 8
    return None if length == UNDEFINED_LENGTH else offset + header_length + length


def _sequence_delimiter(transfer_syntax: str | None) -> bytes:
    big_endian = transfer_syntax == EXPLICIT_VR_BIG_ENDIAN
    return SEQUENCE_DELIMITER_BIG_ENDIAN if big_endian else SEQUENCE_DELIMITER_LITTLE_ENDIAN


def streamed_header(head: bytes, tail: bytes, size: int) -> InstanceHeader | None:
    """The header of a file written as it arrived, known here by its first bytes, last bytes and size, when
    the file can be filed exactly as received; None when it must be read whole (``prepare_part10``).

    It can when it is Part 10 with a plain preamble, the fast scanner reads its header within ``head``, and
    its pixel data is complete (by the element's length, or for encapsulated pixel data a closing delimiter
    at the very end). Anything else, a damaged file included, takes the whole-file path, which words errors.
    """
    if head[PREAMBLE_LENGTH : PREAMBLE_LENGTH + 4] != PART10_PREFIX or executable_preamble_kind(head[:PREAMBLE_LENGTH]):
        return None
    scanned = scan_header(head)
    if scanned is None:
        return None
    offset = scanned.pixel_data_offset
    if offset >= len(head):  # no pixel data seen: only a file held whole in ``head`` really has none
        return _streamed_fields(scanned) if size == len(head) else None
    if offset + 12 > len(head):
        return None
    end = _pixel_data_end(head, offset, scanned.transfer_syntax)
    complete = tail.endswith(_sequence_delimiter(scanned.transfer_syntax)) if end is None else end <= size
    return _streamed_fields(scanned) if complete else None


def _streamed_fields(scanned: ScannedHeader) -> InstanceHeader | None:
    try:
        return _filed_header(_ScannedFields(scanned), "received instance")
    except DicomReadError:
        return None  # the whole-file path raises it again, with the same words


def _read_bare_dataset(data: bytes, source: object) -> Dataset:
    """A dataset written without preamble and file meta, as many older archives did: read it whole."""
    import pydicom

    try:
        dataset = pydicom.dcmread(io.BytesIO(data), force=True)
        if "SOPClassUID" not in dataset and "SOPInstanceUID" not in dataset:
            raise NotDicomError(source, "not a DICOM file (no DICOM header found)")
        return dataset
    except DicomReadError:
        raise
    except Exception:  # forced parsing of arbitrary bytes fails in many ways; none of them is DICOM
        raise NotDicomError(source, "not a DICOM file (no DICOM header found)") from None


def _as_part10(dataset: Dataset, source: object) -> bytes:
    from pydicom.uid import UID, ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

    implicit_vr, little_endian = dataset.original_encoding
    if implicit_vr:
        transfer_syntax = ImplicitVRLittleEndian
    else:
        transfer_syntax = ExplicitVRLittleEndian if little_endian else ExplicitVRBigEndian
    dataset.ensure_file_meta()
    dataset.file_meta.TransferSyntaxUID = UID(transfer_syntax)
    dataset.file_meta.MediaStorageSOPClassUID = dataset.get("SOPClassUID", "")
    dataset.file_meta.MediaStorageSOPInstanceUID = dataset.get("SOPInstanceUID", "")
    buffer = io.BytesIO()
    try:
        dataset.save_as(buffer, enforce_file_format=True)
    except Exception as error:  # pydicom's writer refuses inconsistent datasets in many ways
        raise DicomReadError(source, f"could not be given a Part 10 file header ({error})") from error
    return buffer.getvalue()


def _text(dataset: Dataset, keyword: str) -> str:
    value = dataset.get(keyword)
    return "" if value is None else str(value).strip("\0 ")


def _integer(dataset: Dataset, keyword: str) -> int | None:
    try:
        value = dataset.get(keyword)
        return None if value is None or value == "" else int(value)
    except (TypeError, ValueError):
        return None
