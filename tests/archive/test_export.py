"""Export: a study's Part 10 files, byte-identical, to a folder."""

from __future__ import annotations

import hashlib

import pytest

from tests.archive.factories import instance_bytes
from workstation.core.errors import ArchiveError

CT_VOLUME = "ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom"


def digests(paths) -> list[str]:
    return sorted(hashlib.sha256(path.read_bytes()).hexdigest() for path in paths)


@pytest.mark.shared_data
def test_export_writes_the_original_files_byte_identical(archive, shared_dicom, tmp_path):
    archive.import_paths([shared_dicom / CT_VOLUME])
    (study,) = archive.studies()

    count = archive.export_study(study.study_instance_uid, tmp_path / "out")

    exported = sorted((tmp_path / "out").rglob("*.dcm"))
    assert count == len(exported) == 134
    assert digests(exported) == digests((shared_dicom / CT_VOLUME).glob("*.dcm"))


def test_export_keeps_series_apart_and_refuses_to_overwrite(archive, tmp_path):
    for series in range(2):
        for number in range(2):
            archive.store_part10(instance_bytes(series_instance_uid=f"1.2.9.{series}", series_number=series + 1,
                                                instance_number=number + 1))
    (study,) = archive.studies()

    assert archive.export_study(study.study_instance_uid, tmp_path / "out") == 4
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.dcm")) == [
        "SER00001/IMG00001.dcm", "SER00001/IMG00002.dcm", "SER00002/IMG00001.dcm", "SER00002/IMG00002.dcm",
    ]
    with pytest.raises(ArchiveError, match="already holds"):
        archive.export_study(study.study_instance_uid, tmp_path / "out")


def test_unknown_study_is_a_clear_error(archive, tmp_path):
    with pytest.raises(ArchiveError, match=r"study 9\.9\.9 is not in the local archive"):
        archive.export_study("9.9.9", tmp_path / "out")
    assert not (tmp_path / "out").exists()
