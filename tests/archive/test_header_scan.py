"""The lean header scanner gives exactly what pydicom gives for the index, or steps aside (None) for pydicom."""

from __future__ import annotations

import io

import pydicom
import pytest
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from tests.archive.factories import instance_bytes
from workstation.archive.header_scan import scan_header
from workstation.archive.part10 import _DatasetFields, _filed_header, _ScannedFields, prepare_part10
from workstation.core.errors import DicomReadError


def pydicom_reading(data: bytes) -> tuple[object, int, str]:
    buffer = io.BytesIO(data)
    dataset = pydicom.dcmread(buffer, stop_before_pixels=True)
    return _filed_header(_DatasetFields(dataset), "test"), buffer.tell(), str(dataset.file_meta.TransferSyntaxUID)


@pytest.mark.shared_data
def test_scanner_agrees_with_pydicom_on_every_real_file_it_reads(shared_dicom):
    scanned = compared = 0
    for path in sorted(shared_dicom.rglob("*")):
        data = path.read_bytes() if path.is_file() else b""
        if data[128:132] != b"DICM":
            continue
        result = scan_header(data)
        if result is None:
            continue
        scanned += 1
        try:
            expected = pydicom_reading(data)
        except DicomReadError:
            with pytest.raises(DicomReadError):
                _filed_header(_ScannedFields(result), path)
            continue
        compared += 1
        assert (_filed_header(_ScannedFields(result), path), result.pixel_data_offset, result.transfer_syntax) \
            == expected, path
    # nearly all real files (explicit and implicit VR, compressed, nested sequences) take the fast path
    assert compared > 300 and scanned > 0.9 * sum(1 for path in shared_dicom.rglob("*.dcm"))


def test_implicit_vr_with_undefined_length_sequences():
    original = instance_bytes(sop_instance_uid="1.2.3.4", pixels=8)
    dataset = pydicom.dcmread(io.BytesIO(original))
    item = pydicom.Dataset()
    item.CodeValue, item.CodeMeaning = "T-D3000", "Chest"
    dataset.AnatomicRegionSequence = pydicom.Sequence([item, item])
    dataset.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True, implicit_vr=True, little_endian=True)
    data = buffer.getvalue()
    result = scan_header(data)
    assert result is not None
    assert (_filed_header(_ScannedFields(result), "x"), result.pixel_data_offset, result.transfer_syntax) \
        == pydicom_reading(data)


@pytest.mark.parametrize("case", ["big endian", "non-ASCII name", "multi-valued", "not an integer", "cut header"])
def test_unusual_files_are_left_to_pydicom(case):
    data = instance_bytes(sop_instance_uid="1.2.3.5", pixels=8)
    if case == "big endian":  # the file meta says so (a UID of the same length); the scanner must not read on
        data = data.replace(ExplicitVRLittleEndian.encode(), ExplicitVRBigEndian.encode(), 1)
    elif case == "non-ASCII name":
        data = instance_bytes(sop_instance_uid="1.2.3.5", pixels=8, patient_name="Müller^Jürgen")
    elif case == "multi-valued":
        data = data.replace(b"CT CHEST", b"CT\\CHEST")
    elif case == "not an integer":
        data = instance_bytes(sop_instance_uid="1.2.3.5", pixels=8).replace(b"IS\x02\x001 ", b"IS\x02\x00x ", 1)
        assert b"IS\x02\x00x " in data
    else:
        data = data[:300]
    assert scan_header(data) is None


def test_truncated_pixel_data_is_still_refused_on_the_fast_path():
    data = instance_bytes(sop_instance_uid="1.2.3.6", pixels=64)
    assert scan_header(data[:-100]) is not None
    with pytest.raises(DicomReadError, match="truncated"):
        prepare_part10(data[:-100], "received instance")
