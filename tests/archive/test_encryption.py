"""Encryption at rest by the archive: a real CT series stored encrypted reads as the plain import does, no
patient data in the stored bytes, altered files give a clear error and blank slices (never wrong pixels), a
lost key drops the files as missing, and converting an existing cache survives a crash."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import numpy as np
import pydicom
import pytest

from tests.archive.factories import instance_bytes
from tests.volume.synthetic_series import axial_positions, write_series
from workstation.archive import Archive
from workstation.archive import encryption as archive_encryption
from workstation.core.chunked_cipher import HEADER, MAGIC
from workstation.core.database_connection import connect_database
from workstation.core.errors import ArchiveError, DicomReadError
from workstation.dicom.displaysets import display_sets
from workstation.dicom.model import read_patients
from workstation.dicom.reading import read_dataset
from workstation.security.deidentify import DeidentificationKey, export_deidentified
from workstation.settings.home import workstation_home
from workstation.volume.assembly import assemble_volume, decode_instance_frames

CT_FOLDER = "ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom"


def _encrypt_cache(key_file: Path, on: bool = True) -> None:
    (workstation_home() / "security.json").write_text(
        json.dumps({"encrypt_cache": on, "cache_key_file": str(key_file)}), encoding="utf-8")


def _volume(archive: Archive):
    (series,) = [s for study in archive.studies() for s in archive.series(study.study_instance_uid)]
    patients, errors = read_patients(archive.instance_paths(series.series_instance_uid))
    assert errors == []
    (display_set,) = [d for p in patients for s in p.all_series() for d in display_sets(s)]
    return assemble_volume(display_set)


def _encrypted(path: Path) -> bool:
    return path.read_bytes()[:len(MAGIC)] == MAGIC


def _store_series(archive: Archive, count: int = 4, side: int = 64) -> list[Path]:
    """A small CT series with geometry (synthetic), stored like received instances; its stored files."""
    folder = archive.folder.parent / f"source-{archive.folder.name}"
    files = write_series(folder, axial_positions(count), rows=side, columns=side,
                         per_slice=[{"PatientName": "Secret^Name", "PatientID": "SECRET-ID"}] * count)
    for path in files:
        assert archive.store_part10(path.read_bytes()).stored
    (study,) = archive.studies()
    (series,) = archive.series(study.study_instance_uid)
    return archive.instance_paths(series.series_instance_uid)


@pytest.mark.shared_data
def test_real_ct_stored_encrypted_builds_the_same_volume(shared_dicom, tmp_path):
    source = shared_dicom / CT_FOLDER
    with Archive(tmp_path / "plain") as plain:
        assert plain.import_paths([source]).imported == 134
        expected = _volume(plain)
    _encrypt_cache(tmp_path / "keys" / "cache.key")
    with Archive(tmp_path / "encrypted") as encrypted:
        assert encrypted.import_paths([source]).imported == 134
        (series,) = encrypted.series(encrypted.studies()[0].study_instance_uid)
        paths = encrypted.instance_paths(series.series_instance_uid)
        assert all(_encrypted(path) for path in paths)
        volume = _volume(encrypted)
    np.testing.assert_array_equal(volume.voxels, expected.voxels)
    np.testing.assert_array_equal(volume.affine, expected.affine)
    assert volume.warnings == expected.warnings

    original = pydicom.dcmread(min(source.glob("*.dcm")), stop_before_pixels=True)
    secrets = [str(original.PatientName).encode(), str(original.PatientID).encode(),
               original.StudyInstanceUID.encode(), original.SeriesInstanceUID.encode()]
    for path in paths[:20]:
        stored = path.read_bytes()
        assert not any(secret in stored for secret in secrets if len(secret) >= 4), path


def test_stored_files_are_encrypted_and_read_back(tmp_path):
    _encrypt_cache(tmp_path / "cache.key")
    with Archive(tmp_path / "archive") as archive:
        paths = _store_series(archive)
        assert len(paths) == 4 and all(_encrypted(path) for path in paths)
        study_uid = archive.studies()[0].study_instance_uid
        for secret in (b"Secret^Name", b"SECRET-ID", study_uid.encode()):
            assert not any(secret in path.read_bytes() for path in paths)
        assert str(read_dataset(paths[0]).PatientName) == "Secret^Name"
        assert _volume(archive).voxels.shape == (4, 64, 64)
        plain_sizes = sum(len(path.read_bytes()) for path in (tmp_path / "source-archive").iterdir())
        assert archive.studies()[0].size_bytes == plain_sizes  # the DICOM size, as for a plain cache


def test_export_and_deidentified_export_write_plain_dicom(tmp_path):
    _encrypt_cache(tmp_path / "cache.key")
    with Archive(tmp_path / "archive") as archive:
        paths = _store_series(archive, 2)
        assert archive.export_study(archive.studies()[0].study_instance_uid, tmp_path / "copy") == 2
        exported = sorted((tmp_path / "copy").rglob("*.dcm"))
        assert str(pydicom.dcmread(exported[0]).PatientName) == "Secret^Name"  # a plain Part 10 file
        report = export_deidentified(paths, tmp_path / "anon",
                                     DeidentificationKey(b"k" * 32))
    assert not report.skipped
    anonymous = [pydicom.dcmread(path) for path in (tmp_path / "anon").rglob("*") if path.is_file()]
    assert len(anonymous) == 2 and all(str(d.PatientName) != "Secret^Name" for d in anonymous)


def test_an_altered_header_chunk_drops_the_file_with_a_clear_error(tmp_path):
    _encrypt_cache(tmp_path / "cache.key")
    with Archive(tmp_path / "archive") as archive:
        paths = _store_series(archive)
        blob = bytearray(paths[1].read_bytes())
        blob[HEADER.size + 200] ^= 0x20
        paths[1].write_bytes(blob)
        with pytest.raises(DicomReadError, match="damaged or was altered"):
            read_dataset(paths[1])
        patients, errors = read_patients(paths)
    assert [error.path for error in errors] == [paths[1]]
    assert sum(len(series.instances) for patient in patients for series in patient.all_series()) == 3


def test_an_altered_pixel_chunk_gives_a_clear_error_and_a_blank_slice(tmp_path):
    """2 MB slices: the header is in chunk 1, the altered byte in chunk 2, so the file opens and the read fails."""
    _encrypt_cache(tmp_path / "cache.key")
    with Archive(tmp_path / "archive") as archive:
        paths = _store_series(archive, 3, side=1024)
        expected = _volume(archive)
        blob = bytearray(paths[1].read_bytes())
        blob[-40] ^= 0x20
        paths[1].write_bytes(blob)
        with pytest.raises(DicomReadError, match="damaged or was altered"):
            read_dataset(paths[1])
        volume = _volume(archive)
    assert any("damaged or was altered" in warning for warning in volume.warnings)
    np.testing.assert_array_equal(volume.voxels[[0, 2]], expected.voxels[[0, 2]])
    assert (volume.voxels[1] == volume.voxels[[0, 2]].min()).all()  # blank, not the altered bytes


def test_a_lost_key_is_said_and_its_files_are_set_aside_and_treated_as_missing(tmp_path):
    key_file = tmp_path / "cache.key"
    _encrypt_cache(key_file)
    with Archive(tmp_path / "archive") as archive:
        victim = _store_series(archive)[0]
    key_file.unlink()
    with pytest.raises(DicomReadError, match="cache key .* is missing"):
        read_dataset(victim)
    with Archive(tmp_path / "archive") as archive:
        assert "cache key is missing or was replaced" in archive.lost_key_message
        assert archive.studies() == [] and not victim.exists()
        set_aside = sorted(path for path in (tmp_path / "archive" / "unreadable").rglob("*") if path.is_file())
        assert len(set_aside) == 4  # moved, not deleted
        assert f"{tmp_path / 'archive' / 'unreadable'}/" in archive.lost_key_message
        result = archive.store_part10(instance_bytes(pixels=64))  # a new key, a working cache
        assert result.stored and _encrypted(result.path)
    with Archive(tmp_path / "archive") as archive:
        assert archive.lost_key_message == "" and archive.has_instance(result.sop_instance_uid)


def test_files_of_a_lost_key_come_back_by_import_once_the_key_is_restored(tmp_path):
    key_file = tmp_path / "cache.key"
    _encrypt_cache(key_file)
    with Archive(tmp_path / "archive") as archive:
        stored = _store_series(archive)
        uids = archive.instance_uids(archive.studies()[0].study_instance_uid)
    key_file.rename(tmp_path / "misplaced.key")
    with Archive(tmp_path / "archive") as archive:
        assert archive.studies() == [] and not any(path.exists() for path in stored)
    (tmp_path / "misplaced.key").replace(key_file)  # the key is found again
    with Archive(tmp_path / "archive") as archive:
        report = archive.import_paths([tmp_path / "archive" / "unreadable"])
        assert report.problems == [] and archive.instance_uids(archive.studies()[0].study_instance_uid) == uids


def test_key_inside_the_cache_is_refused(tmp_path):
    _encrypt_cache(tmp_path / "archive" / "cache.key")
    with pytest.raises(ArchiveError, match="inside the cache"):
        Archive(tmp_path / "archive")


def test_existing_files_are_converted_and_back(tmp_path):
    with Archive(tmp_path / "archive") as archive:
        paths = _store_series(archive)
        plain = [path.read_bytes() for path in paths]
        with pytest.raises(ArchiveError, match="encrypt_cache"):
            archive.convert_files(encrypt=True)
    _encrypt_cache(tmp_path / "cache.key")
    with Archive(tmp_path / "archive") as archive:
        assert archive.convert_files(encrypt=True) == 4
        assert all(_encrypted(path) for path in paths)
        assert archive.convert_files(encrypt=True) == 0  # already done
        assert str(read_dataset(paths[2]).PatientName) == "Secret^Name"
    _encrypt_cache(tmp_path / "cache.key", on=False)
    with Archive(tmp_path / "archive") as archive:
        assert str(read_dataset(paths[2]).PatientName) == "Secret^Name"  # still readable with the setting off
        assert archive.convert_files(encrypt=False) == 4
    assert [path.read_bytes() for path in paths] == plain


def test_conversion_interrupted_by_a_crash_leaves_every_file_whole(tmp_path, monkeypatch):
    with Archive(tmp_path / "archive") as archive:
        paths = _store_series(archive, 6)
    _encrypt_cache(tmp_path / "cache.key")
    renames = []

    def crash_on_the_third(source, target):
        if len(renames) == 2:
            raise SystemExit("power cut")  # the third file is written in full under incoming/, never renamed
        renames.append(target)
        return real_replace(source, target)

    real_replace = archive_encryption.os.replace
    archive = Archive(tmp_path / "archive")
    monkeypatch.setattr(archive_encryption.os, "replace", crash_on_the_third)
    with pytest.raises(SystemExit):
        archive.convert_files(encrypt=True)
    archive.close()
    monkeypatch.setattr(archive_encryption.os, "replace", real_replace)  # not undo(): it unsets WORKSTATION_HOME too
    _encrypt_cache(tmp_path / "cache.key")
    assert list((tmp_path / "archive" / "incoming").iterdir())  # the crash's debris
    with Archive(tmp_path / "archive") as archive:
        assert not list((tmp_path / "archive" / "incoming").iterdir())
        assert [_encrypted(path) for path in paths].count(True) == 2
        assert all(read_dataset(path).PatientName == "Secret^Name" for path in paths)  # old or new form, all whole
        assert archive.convert_files(encrypt=True) == 4
    assert all(_encrypted(path) and len(path.read_bytes()) > HEADER.size for path in paths)


def test_unflushed_encrypted_files_are_checked_after_a_crash(tmp_path):
    """Retrieved files indexed before their flush are verified at the next opening, through the decryption."""
    _encrypt_cache(tmp_path / "cache.key")
    with Archive(tmp_path / "archive") as archive:
        paths = _store_series(archive, 3)
    with contextlib.closing(connect_database(tmp_path / "archive" / "index.sqlite", "archive index",
                                            isolation_level=None)) as index:
        index.execute("UPDATE instances SET durable = 0")  # as if the power went before the deferred flush
    paths[0].write_bytes(paths[0].read_bytes()[:-100])  # this one did not reach the disk whole
    with Archive(tmp_path / "archive") as archive:
        (series,) = archive.series(archive.studies()[0].study_instance_uid)
        assert archive.instance_paths(series.series_instance_uid) == paths[1:]
        assert all(read_dataset(path).PatientName == "Secret^Name" for path in paths[1:])


@pytest.mark.shared_data
def test_every_transfer_syntax_decodes_the_same_from_an_encrypted_cache(shared_dicom, tmp_path):
    _encrypt_cache(tmp_path / "cache.key")
    with Archive(tmp_path / "archive") as archive:
        assert archive.import_paths([shared_dicom / "transfer_syntaxes/dcm_qa_ts_siemens_trio"]).imported == 9
        paths = [path for study in archive.studies() for series in archive.series(study.study_instance_uid)
                 for path in archive.instance_paths(series.series_instance_uid)]
    assert all(_encrypted(path) for path in paths)
    frames = [decode_instance_frames(str(path), (0,)) for path in paths]
    assert all(not isinstance(frame, str) for frame in frames), frames
    for frame in frames[1:]:
        np.testing.assert_array_equal(frame[0], frames[0][0])
