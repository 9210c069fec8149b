"""Reading files: clear messages for files that are not DICOM, repair of a missing transfer syntax, batches."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest
from pydicom.uid import ExplicitVRBigEndian, ImplicitVRLittleEndian

from workstation.core.errors import DicomReadError
from workstation.dicom.pixels import decode_frames
from workstation.dicom.reading import read_dataset, read_many

TRIO_REFERENCE = "transfer_syntaxes/dcm_qa_ts_siemens_trio/In/1.dcm"


def test_missing_file_is_named(tmp_path):
    with pytest.raises(DicomReadError, match="absent.dcm: file not found"):
        read_dataset(tmp_path / "absent.dcm")


def test_folder_is_not_a_file(tmp_path):
    with pytest.raises(DicomReadError, match="is a folder"):
        read_dataset(tmp_path)


@pytest.mark.parametrize("content", [b"", b"hello, not an image\n" * 20, bytes(range(256)) * 4])
def test_non_dicom_content_is_refused(tmp_path, content):
    path = tmp_path / "notes.dcm"
    path.write_bytes(content)
    with pytest.raises(DicomReadError, match="notes.dcm: not a DICOM file"):
        read_dataset(path)


@pytest.mark.shared_data
def test_file_cut_inside_its_header_is_refused(tmp_path, shared_dicom):
    path = tmp_path / "cut.dcm"
    path.write_bytes((shared_dicom / TRIO_REFERENCE).read_bytes()[:140])
    with pytest.raises(DicomReadError, match="cut.dcm: holds no DICOM elements"):
        read_dataset(path)


@pytest.mark.shared_data
def test_header_only_stops_before_pixels(shared_dicom):
    dataset = read_dataset(shared_dicom / TRIO_REFERENCE, header_only=True)
    assert "PixelData" not in dataset
    assert dataset.Rows == 384


@pytest.mark.shared_data
def test_file_without_meta_information_gets_the_syntax_it_was_read_with(shared_dicom):
    """OT-PAL-8-face.dcm has no preamble and no file meta; pydicom alone refuses to decode it."""
    dataset = read_dataset(shared_dicom / "mixed/pydicom-data/OT-PAL-8-face.dcm")
    assert dataset.file_meta.TransferSyntaxUID == ImplicitVRLittleEndian
    assert decode_frames(dataset).shape == (1, 480, 640)


@pytest.mark.shared_data
def test_big_endian_dataset_without_meta_is_recognised(tmp_path, shared_dicom):
    source = pydicom.dcmread(shared_dicom / "mixed/pydicom-data/emri_small_big_endian.dcm")
    expected = source.pixel_array
    path = tmp_path / "bare.dcm"
    del source.file_meta.TransferSyntaxUID
    source.save_as(path, enforce_file_format=False, implicit_vr=False, little_endian=False)
    dataset = read_dataset(path)
    assert dataset.file_meta.TransferSyntaxUID == ExplicitVRBigEndian
    assert np.array_equal(decode_frames(dataset), expected)


@pytest.mark.shared_data
def test_batch_keeps_every_good_file_and_names_every_bad_one(tmp_path, shared_dicom):
    broken = tmp_path / "broken.dcm"
    broken.write_bytes(b"garbage")
    good = [shared_dicom / TRIO_REFERENCE, shared_dicom / "mixed/pydicom-data/SC_rgb.dcm"]
    datasets, problems = read_many([good[0], broken, tmp_path / "gone.dcm", good[1]])
    assert [d.filename for d in datasets] == [str(p) for p in good]
    assert [p.path for p in problems] == [broken, tmp_path / "gone.dcm"]
    assert "not a DICOM file" in problems[0].problem and "not found" in problems[1].problem
