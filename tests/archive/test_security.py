"""Hostile input: executables hidden in the preamble (CVE-2019-11687) and DICOM values that try to steer paths."""

from __future__ import annotations

import os
from pathlib import Path

import pydicom
import pytest

from tests.archive.factories import assert_index_and_files_agree, instance_bytes, stored_files
from tests.archive.test_import import write_medium
from workstation.archive import Archive
from workstation.core.errors import ArchiveError

PE_PREAMBLE = b"MZ\x90\x00\x03" + bytes(123)
ELF_PREAMBLE = b"\x7fELF\x02\x01\x01" + bytes(121)


@pytest.mark.parametrize("preamble", [PE_PREAMBLE, ELF_PREAMBLE], ids=["PE", "ELF"])
def test_imported_file_with_executable_preamble_is_stored_with_preamble_zeroed(archive, tmp_path, preamble):
    data = instance_bytes(preamble=preamble)
    source = tmp_path / "polyglot.dcm"
    source.write_bytes(data)

    report = archive.import_paths([source])

    assert report.imported == 1
    ((path, warning),) = report.warnings
    assert path == source and "executable" in warning and "CVE-2019-11687" in warning
    (stored,) = stored_files(archive.folder)
    assert stored.read_bytes() == bytes(128) + data[128:]


def test_received_file_with_executable_preamble_is_stored_with_preamble_zeroed(archive):
    data = instance_bytes(preamble=PE_PREAMBLE)

    result = archive.store_part10(data)

    assert result.stored and result.warnings
    assert result.path.read_bytes() == bytes(128) + data[128:]


def test_clean_preamble_is_kept_byte_for_byte(archive):
    data = instance_bytes(preamble=b"II*\x00" + bytes(124))  # a TIFF header: dual-personality files are legal

    result = archive.store_part10(data)

    assert result.warnings == ()
    assert result.path.read_bytes() == data


def files_under(root: Path) -> set[Path]:
    return {Path(folder) / name for folder, _subfolders, names in os.walk(root) for name in names}


def test_path_traversal_values_never_leave_the_archive_folder(tmp_path):
    root = tmp_path / "root"
    folder = root / "deep" / "archive"
    hostile = instance_bytes(
        sop_instance_uid="../../../../etc/passwd",
        study_instance_uid="../../../escaped_study",
        series_instance_uid="/tmp/absolute_series",
        patient_id="../../../patient_dir",
        patient_name="..\\..\\Windows^System32",
    )
    with Archive(folder) as archive:
        before = files_under(root) - files_under(folder)
        result = archive.store_part10(hostile)
        outside = files_under(root) - files_under(folder)

        assert result.stored and archive.has_instance("../../../../etc/passwd")
        assert outside == before
        assert result.path.resolve().is_relative_to(folder.resolve())
        relative = result.path.relative_to(folder).as_posix()
        assert ".." not in relative and "passwd" not in relative and "patient" not in relative
        assert result.path.read_bytes() == hostile
        (study,) = archive.studies()
        assert study.study_instance_uid == "../../../escaped_study"
        assert archive.instance_paths("/tmp/absolute_series") == [result.path]
        assert_index_and_files_agree(archive)
        assert archive.export_study(study.study_instance_uid, tmp_path / "export") == 1
    assert not (tmp_path / "export").joinpath("..", "escaped_study").exists()
    assert files_under(tmp_path / "export") == {tmp_path / "export" / "SER00001" / "IMG00001.dcm"}


def test_file_names_hold_no_patient_data(archive):
    result = archive.store_part10(instance_bytes(patient_id="SECRET123", patient_name="Doe^Jane"))

    relative = result.path.relative_to(archive.folder).as_posix()
    assert "SECRET123" not in relative and "Doe" not in relative


def test_dicomdir_pointing_outside_its_medium_is_refused(archive, tmp_path):
    dicomdir = write_medium(tmp_path / "medium", count=1)
    directory = pydicom.dcmread(dicomdir)
    for record in directory.DirectoryRecordSequence:
        if "ReferencedFileID" in record:
            record.ReferencedFileID = ["..", "staging", "0.dcm"]
    directory.save_as(dicomdir)

    report = archive.import_paths([dicomdir])

    assert report.imported == 0
    assert "must be inside the DICOMDIR root" in report.problems[0][1]


def test_dicomdir_entry_linking_outside_its_medium_is_refused(archive, tmp_path):
    dicomdir = write_medium(tmp_path / "medium", count=1)
    (listed,) = [path for path in (tmp_path / "medium").rglob("*") if path.is_file() and path != dicomdir]
    secret = tmp_path / "elsewhere.dcm"
    secret.write_bytes(instance_bytes())
    listed.unlink()
    listed.symlink_to(secret)

    report = archive.import_paths([dicomdir])

    assert report.imported == 0
    assert "must be inside the DICOMDIR root" in report.problems[0][1]


def test_archive_folder_that_cannot_be_created_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")

    with pytest.raises(ArchiveError, match="cannot open the archive folder"):
        Archive(blocker / "archive")
