"""Instances written to the archive piece by piece as they arrive (the WADO-RS study stream), then filed.

The file is renamed into place as written when its header can be read from its first bytes; anything
unusual (a long header, an executable preamble, damage, an encrypted cache) is read whole and filed like
``store_part10``. Either way the stored bytes, the index row and the outcome match ``store_part10``'s.
"""

from __future__ import annotations

import json
from pathlib import Path

import pydicom
import pytest

from tests.archive.factories import assert_index_and_files_agree, instance_bytes, stored_files
from workstation.archive import Archive
from workstation.archive.header_scan import scan_header
from workstation.archive.incoming import HEAD_BYTES, IncomingFile
from workstation.archive.part10 import prepare_part10, streamed_header
from workstation.core.chunked_cipher import MAGIC
from workstation.core.errors import DicomReadError
from workstation.settings.home import workstation_home

CT_FOLDER = "ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom"
TRANSFER_SYNTAX_FOLDER = "transfer_syntaxes/dcm_qa_ts_siemens_trio/In"


def received(archive: Archive, data: bytes, piece: int = 4096) -> IncomingFile:
    """``data`` written into a fresh incoming file in pieces of ``piece`` bytes, as the network would."""
    incoming = archive.receive_file()
    for start in range(0, len(data), piece):
        incoming.write(memoryview(data)[start:start + piece])
    incoming.close()
    return incoming


def incoming_left(archive: Archive) -> list[Path]:
    return list((archive.folder / "incoming").iterdir())


@pytest.mark.parametrize("piece", [7, 4096, 1 << 20])
def test_a_streamed_instance_is_filed_byte_for_byte_however_it_arrived(archive, piece):
    data = instance_bytes(sop_instance_uid="1.2.3.1", pixels=64)

    (result,) = archive.file_incoming([received(archive, data, piece)])

    assert result.stored and not result.duplicate
    assert result.path.read_bytes() == data
    assert archive.has_instance("1.2.3.1") and incoming_left(archive) == []
    assert_index_and_files_agree(archive)


def test_real_files_of_every_transfer_syntax_are_filed_byte_for_byte(shared_dicom, archive):
    """Native, deflated, JPEG, JPEG-LS, JPEG 2000, RLE (Siemens MR, 88 KB headers: read whole) and the real CT
    (a 2 KB header: filed from its first bytes)."""
    paths = sorted((shared_dicom / TRANSFER_SYNTAX_FOLDER).glob("*.dcm")) + sorted((shared_dicom / CT_FOLDER).glob("*.dcm"))[:3]

    results = archive.file_incoming([received(archive, path.read_bytes(), 65536) for path in paths])

    assert [result.path.read_bytes() for result in results] == [path.read_bytes() for path in paths]
    assert len({str(pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID) for path in paths}) >= 6
    assert incoming_left(archive) == []
    assert_index_and_files_agree(archive)


def test_the_header_from_first_bytes_last_bytes_and_size_is_the_whole_read_header(shared_dicom):
    """For each transfer syntax (encapsulated ones end in a sequence delimiter) and the real CT, given enough
    first bytes; with too few, or with the end cut off, it answers None (read the file whole)."""
    paths = sorted((shared_dicom / TRANSFER_SYNTAX_FOLDER).glob("*.dcm")) + sorted((shared_dicom / CT_FOLDER).glob("*.dcm"))[:2]
    fast = 0
    for path in paths:
        data = path.read_bytes()
        expected = prepare_part10(data, path).header
        scanned = scan_header(data)
        if scanned is None:
            continue  # deflated: only a whole read can tell
        head = data[:scanned.pixel_data_offset + 4096]
        assert streamed_header(head, data[-8:], len(data)) == expected, path
        assert streamed_header(data[:scanned.pixel_data_offset - 1], data[-8:], len(data)) is None
        assert streamed_header(head, data[-9:-1], len(data) - 1) is None  # a cut-short pixel data is not trusted
        fast += 1
    assert fast >= 8
    ct = (sorted((shared_dicom / CT_FOLDER).glob("*.dcm"))[0]).read_bytes()
    assert streamed_header(ct[:HEAD_BYTES], ct[-8:], len(ct)) is not None  # a CT header fits the kept bytes


def test_cut_short_pixel_data_is_refused_and_leaves_nothing(archive, shared_dicom):
    native = instance_bytes(sop_instance_uid="1.2.3.2", pixels=64)
    encapsulated = next(path.read_bytes() for path in sorted((shared_dicom / TRANSFER_SYNTAX_FOLDER).glob("*.dcm"))
                        if "1.2.840.10008.1.2.4" in str(pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID))
    whole = instance_bytes(sop_instance_uid="1.2.3.3")

    outcomes = archive.file_incoming([received(archive, native[:-100]), received(archive, encapsulated[:-8]),
                                      received(archive, whole)])

    assert [type(outcome) for outcome in outcomes[:2]] == [DicomReadError, DicomReadError]
    assert all("truncated" in str(outcome) for outcome in outcomes[:2])
    assert outcomes[2].stored  # the batch's sound file is filed all the same
    assert archive.has_instance("1.2.3.3") and not archive.has_instance("1.2.3.2")
    assert len(stored_files(archive.folder)) == 1 and incoming_left(archive) == []


def test_an_executable_preamble_is_zeroed_with_a_warning(archive):
    data = instance_bytes(sop_instance_uid="1.2.3.4", preamble=b"MZ" + bytes(126))

    (result,) = archive.file_incoming([received(archive, data)])

    assert result.stored and result.path.read_bytes() == bytes(128) + data[128:]
    assert any("executable" in warning for warning in result.warnings)


def test_a_header_longer_than_the_first_bytes_kept_is_read_whole(archive):
    """The UIDs come after 20 KB of comments, past what the incoming file keeps of its start."""
    dataset = pydicom.dcmread(pydicom.filebase.DicomBytesIO(instance_bytes(sop_instance_uid="1.2.3.5", pixels=64)))
    dataset.PatientComments = "x" * 10000
    dataset.AdditionalPatientHistory = "y" * 10000
    buffer = pydicom.filebase.DicomBytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    data = buffer.getvalue()
    assert streamed_header(data[:HEAD_BYTES], data[-8:], len(data)) is None

    (result,) = archive.file_incoming([received(archive, data)])

    assert result.stored and result.path.read_bytes() == data
    (series,) = archive.series("1.2.826.0.1.3680043.8.498.1")
    assert series.series_instance_uid == "1.2.826.0.1.3680043.8.498.1.1" and series.instance_count == 1


def test_an_instance_already_here_or_twice_in_a_batch_is_stored_once(archive):
    data = instance_bytes(sop_instance_uid="1.2.3.6", pixels=32)
    archive.store_part10(data)
    other = instance_bytes(sop_instance_uid="1.2.3.7", pixels=32)

    outcomes = archive.file_incoming([received(archive, data), received(archive, other), received(archive, other)])

    assert [(outcome.stored, outcome.duplicate) for outcome in outcomes] == [(False, True), (True, False), (False, True)]
    assert outcomes[2].path == outcomes[1].path
    assert len(stored_files(archive.folder)) == 2 and incoming_left(archive) == []
    assert_index_and_files_agree(archive)


def test_a_discarded_incoming_file_leaves_nothing(archive):
    incoming = archive.receive_file()
    incoming.write(instance_bytes(pixels=32)[:500])
    incoming.discard()

    assert incoming_left(archive) == [] and stored_files(archive.folder) == set()


def test_an_encrypted_cache_keeps_parts_in_memory_and_stores_them_encrypted(tmp_path):
    (workstation_home() / "security.json").write_text(
        json.dumps({"encrypt_cache": True, "cache_key_file": str(tmp_path / "cache.key")}), encoding="utf-8")
    data = instance_bytes(sop_instance_uid="1.2.3.8", pixels=64)
    with Archive(tmp_path / "archive") as archive:
        incoming = received(archive, data)
        assert incoming.in_memory and incoming.buffered_bytes == len(data) and incoming_left(archive) == []

        (result,) = archive.file_incoming([incoming])

        stored = result.path.read_bytes()
        assert result.stored and stored[:len(MAGIC)] == MAGIC and b"1.2.3.8" not in stored
        assert archive.store_part10(data).duplicate  # it is indexed as the same instance
