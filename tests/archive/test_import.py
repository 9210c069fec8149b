"""Importing files, folders and DICOMDIRs: what is indexed, idempotence, problems, records."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pydicom
import pytest
from pydicom.fileset import FileSet

from tests.archive.factories import assert_index_and_files_agree, instance_bytes, stored_files
from workstation.archive import Archive
from workstation.core.errors import DicomReadError

CT_VOLUME = "ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom"
PRIORS = "priors_ct/SaltyJoke_COVID-19-NY-SBU"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.shared_data
def test_real_ct_volume_is_indexed_as_one_series_with_its_files_unchanged(archive, shared_dicom):
    sources = sorted((shared_dicom / CT_VOLUME).glob("*.dcm"))
    calls = []
    report = archive.import_paths([shared_dicom / CT_VOLUME], progress=lambda done, total: calls.append((done, total)))

    assert (report.imported, report.duplicates, report.problems) == (len(sources), 0, [])
    assert calls[-1] == (len(sources), len(sources)) and len(calls) == len(sources)
    (study,) = archive.studies()
    (series,) = archive.series(study.study_instance_uid)
    assert study.modalities == ("CT",)
    assert study.instance_count == series.instance_count == len(sources)
    assert study.size_bytes == sum(path.stat().st_size for path in sources)
    assert study.read is False
    stored = archive.instance_paths(series.series_instance_uid)
    assert {digest(path) for path in stored} == {digest(path) for path in sources}
    numbers = [int(pydicom.dcmread(path, stop_before_pixels=True).InstanceNumber) for path in stored]
    assert numbers == sorted(numbers)
    assert all(path.is_relative_to(archive.folder) for path in stored)
    assert_index_and_files_agree(archive)


@pytest.mark.shared_data
def test_reimport_adds_nothing(archive, shared_dicom):
    first = archive.import_paths([shared_dicom / PRIORS])
    files_before = stored_files(archive.folder)
    studies_before = archive.studies()

    second = archive.import_paths([shared_dicom / PRIORS])

    assert first.imported == 30 and first.problems == []
    assert (second.imported, second.duplicates) == (0, first.imported)
    assert stored_files(archive.folder) == files_before
    assert [(s.study_instance_uid, s.instance_count) for s in archive.studies()] == [
        (s.study_instance_uid, s.instance_count) for s in studies_before
    ]


@pytest.mark.shared_data
def test_priors_records_patients_and_studies_newest_first(archive, shared_dicom):
    archive.import_paths([shared_dicom / PRIORS])

    patients = archive.patients()
    assert len(patients) == 5 and all(patient.study_count == 2 for patient in patients)
    studies = archive.studies()
    dates = [(study.study_date, study.study_time) for study in studies]
    assert dates == sorted(dates, reverse=True)
    one_patient = archive.studies(patients[0].patient_id)
    assert len(one_patient) == 2 and {s.patient_id for s in one_patient} == {patients[0].patient_id}
    series = archive.series(one_patient[0].study_instance_uid)
    assert [s.series_number for s in series] == sorted(s.series_number for s in series)
    assert sum(s.instance_count for s in series) == one_patient[0].instance_count
    assert archive.instance_uids(one_patient[0].study_instance_uid) == {
        pydicom.dcmread(path, stop_before_pixels=True).SOPInstanceUID
        for s in series for path in archive.instance_paths(s.series_instance_uid)
    }


@pytest.mark.shared_data
def test_mixed_folder_reports_unfileable_files_and_skips_non_dicom(archive, shared_dicom):
    files = [path for path in (shared_dicom / "mixed").rglob("*") if path.is_file()]

    report = archive.import_paths([shared_dicom / "mixed"])

    assert report.imported + report.duplicates + len(report.problems) + len(report.skipped) == len(files)
    assert report.imported > 40 and report.duplicates > 0  # pydicom's variants of one image share UIDs
    assert report.imported == sum(len(archive.instance_uids(s.study_instance_uid)) for s in archive.studies())
    problem_names = {path.name for path, _reason in report.problems}
    assert "JLSL_RGB_ILV0.dcm" in problem_names  # a bare dataset without SOP Instance UID
    assert all(reason for _path, reason in report.problems)
    assert {path.name for path in report.skipped} >= {"LICENSE", "README.md"}
    assert not problem_names & {"LICENSE", "README.md"}
    assert_index_and_files_agree(archive)


def test_named_file_that_is_not_dicom_is_a_problem(archive, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    missing = tmp_path / "missing.dcm"

    report = archive.import_paths([text, missing])

    assert report.imported == 0
    assert dict(report.problems) == {
        text: "not a DICOM file (no DICOM header found)",
        missing: "not found",
    }


@pytest.mark.shared_data
def test_bare_dataset_is_stored_as_part10(archive, shared_dicom):
    source = shared_dicom / "broken_odd/pydicom-bundled/ExplVR_BigEndNoMeta.dcm"

    report = archive.import_paths([source])

    assert report.imported == 1
    assert "no DICOM Part 10 file header" in report.warnings[0][1]
    (study,) = archive.studies()
    (series,) = archive.series(study.study_instance_uid)
    (stored,) = archive.instance_paths(series.series_instance_uid)
    assert stored.read_bytes()[128:132] == b"DICM"
    original = pydicom.dcmread(source, force=True)
    copy = pydicom.dcmread(stored)
    assert copy.SOPInstanceUID == original.SOPInstanceUID
    assert copy.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRBigEndian


def test_same_instance_twice_in_one_import_is_stored_once(archive, tmp_path):
    data = instance_bytes(sop_instance_uid="1.2.3.4.5")
    (tmp_path / "a.dcm").write_bytes(data)
    (tmp_path / "b.dcm").write_bytes(data)

    report = archive.import_paths([tmp_path / "a.dcm", tmp_path / "b.dcm", tmp_path / "a.dcm"])

    assert (report.imported, report.duplicates) == (1, 1)
    assert len(stored_files(archive.folder)) == 1


def write_medium(folder: Path, count: int) -> Path:
    """A CD-like medium: instances under folder/DICOM/... and a DICOMDIR listing them, made by pydicom."""
    fileset = FileSet()
    staging = folder.parent / "staging"
    staging.mkdir()
    for number in range(count):
        path = staging / f"{number}.dcm"
        path.write_bytes(instance_bytes(instance_number=number + 1))
        fileset.add(path)
    fileset.write(folder)
    return folder / "DICOMDIR"


def test_dicomdir_import_reads_the_listed_files(archive, tmp_path):
    dicomdir = write_medium(tmp_path / "medium", count=5)
    (tmp_path / "medium" / "unlisted.dcm").write_bytes(instance_bytes())

    report = archive.import_paths([dicomdir])

    assert (report.imported, report.problems) == (5, [])
    (study,) = archive.studies()
    assert study.instance_count == 5


def test_folder_holding_a_dicomdir_imports_each_file_once(archive, tmp_path):
    write_medium(tmp_path / "medium", count=4)

    report = archive.import_paths([tmp_path / "medium"])

    assert (report.imported, report.duplicates, report.problems, report.skipped) == (4, 0, [], [])


def test_broken_dicomdir_is_a_problem(archive, tmp_path):
    fake = tmp_path / "DICOMDIR"
    fake.write_bytes(instance_bytes())

    report = archive.import_paths([fake])

    assert report.imported == 0
    assert report.problems and "not a valid DICOMDIR" in report.problems[0][1]


def test_archive_reopens_with_its_content(tmp_path):
    folder = tmp_path / "archive"
    with Archive(folder) as first:
        first.store_part10(instance_bytes(sop_instance_uid="1.2.3.9"))
        first.set_read("1.2.826.0.1.3680043.8.498.1")
    with Archive(folder) as second:
        assert second.has_instance("1.2.3.9")
        assert second.study("1.2.826.0.1.3680043.8.498.1").read is True


@pytest.mark.shared_data
@pytest.mark.parametrize("name", [
    "broken_odd/pydicom-bundled/MR_truncated.dcm",  # native pixel data, defined length
    "mixed/pydicom-data/emri_small_jpeg_2k_lossless_too_short.dcm",  # encapsulated, no closing delimiter
])
def test_file_cut_short_in_its_pixel_data_is_refused(archive, shared_dicom, name):
    report = archive.import_paths([shared_dicom / name])

    assert report.imported == 0
    assert report.problems == [
        (shared_dicom / name, "file is truncated (its pixel data ends early); get a complete copy")
    ]


@pytest.mark.parametrize("cut", [1, 100, 4000])
def test_synthetic_file_cut_anywhere_in_its_pixel_data_is_refused(archive, cut):
    data = instance_bytes(pixels=64)

    with pytest.raises(DicomReadError, match="truncated"):
        archive.store_part10(data[:-cut])
    assert archive.studies() == []


@pytest.mark.shared_data
def test_complete_files_of_every_transfer_syntax_are_accepted(archive, shared_dicom):
    folder = shared_dicom / "transfer_syntaxes"
    files = [path for path in folder.rglob("*") if path.is_file() and path.read_bytes()[128:132] == b"DICM"]

    report = archive.import_paths(files)

    assert report.problems == []
    assert report.imported + report.duplicates == len(files) > 5


def test_deflated_dataset_is_accepted_whole_and_refused_cut(archive):
    dataset = pydicom.dcmread(io.BytesIO(instance_bytes(pixels=64)))
    dataset.file_meta.TransferSyntaxUID = pydicom.uid.DeflatedExplicitVRLittleEndian
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    data = buffer.getvalue()

    with pytest.raises(DicomReadError):
        archive.store_part10(data[:-20])
    result = archive.store_part10(data)

    assert result.stored and result.path.read_bytes() == data
