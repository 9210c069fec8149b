"""``workstation inspect``: series, display sets and ITK geometry as text or JSON; exit codes 0, 1, 2."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.volume.synthetic_series import axial_positions, write_series
from workstation.cli import main


def _inspect_json(capsys, *paths):
    code = main(["inspect", "--json", *map(str, paths)])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.shared_data
def test_json_geometry_of_the_real_ct_in_itk_conventions(shared_dicom, capsys):
    code, report = _inspect_json(capsys, shared_dicom / "ct_volume")
    assert code == 0 and report["errors"] == []
    (series,) = report["series"]
    assert series["modality"] == "CT" and series["instances"] == 134 and series["frames"] == 134
    assert series["patient_id"] and series["study_instance_uid"] and series["series_instance_uid"]
    assert series["size"] == [512, 512, 134]
    assert np.allclose(series["spacing"], [1.07421875, 1.07421875, 3.0])
    assert np.allclose(series["origin"], [-275.0, -178.1, 85.91])  # the lowest slice, not the first file
    assert np.allclose(series["direction"], np.eye(3).reshape(-1))
    assert series["warnings"] == []


def test_unreadable_files_give_exit_1_and_the_rest_is_still_reported(tmp_path, capsys):
    write_series(tmp_path / "good", axial_positions(3))
    broken = tmp_path / "broken.dcm"
    broken.write_bytes(b"\0" * 128 + b"DICM\x02\x00")
    code, report = _inspect_json(capsys, tmp_path / "good", broken, tmp_path / "absent.dcm")
    assert code == 1
    assert [series["size"] for series in report["series"]] == [[6, 8, 3]]
    problems = {entry["path"]: entry["problem"] for entry in report["errors"]}
    assert problems[str(tmp_path / "absent.dcm")] == "file not found"
    assert str(broken) in problems


def test_text_output_lists_display_sets_phases_and_warnings(tmp_path, capsys):
    positions = axial_positions(3)
    write_series(tmp_path, positions * 2, per_slice=[{"TriggerTime": 100.0 * (index // 3)} for index in range(6)])
    assert main(["inspect", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "6 instances, 6 frames" in out
    assert "2 phases by TriggerTime" in out
    assert "size [6, 8, 3]" in out
    assert "warning: 2 volumes at the same positions, told apart by TriggerTime" in out


def test_empty_folder_is_reported(tmp_path, capsys):
    code, report = _inspect_json(capsys, tmp_path)
    assert code == 1 and report["errors"][0]["problem"] == "no DICOM files found in this folder"


def test_missing_path_argument_is_bad_usage():
    with pytest.raises(SystemExit) as exit_info:
        main(["inspect"])
    assert exit_info.value.code == 2


@pytest.mark.shared_data
def test_duplicate_positions_and_enhanced_phases_are_reported(shared_dicom, capsys):
    code, report = _inspect_json(capsys, shared_dicom / "ct_series_odd", shared_dicom / "multiframe_enhanced")
    assert code == 0
    by_description = {series["series_description"]: series for series in report["series"]}
    odd = by_description["CT0"]
    assert odd["instances"] == 11 and odd["size"] == [512, 512, 10]
    assert any("repeat the position" in warning for warning in odd["warnings"])
    fmri = by_description["REST1 w SMS PF7-8"]
    (display_set,) = fmri["display_sets"]
    assert display_set["phase_key"] == "TemporalPositionIndex" and display_set["phase_values"] == [1, 2, 3, 4]
    assert fmri["size"] == [64, 64, 6]
    philips = by_description["B0 NS"]
    assert [item["size"] for item in philips["display_sets"]] == [[64, 64, 32], [64, 64, 32]]
