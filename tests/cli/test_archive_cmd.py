"""``workstation import`` and ``workstation archive list|export`` as a user runs them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.archive.factories import instance_bytes
from workstation.cli import main

PRIORS = "priors_ct/SaltyJoke_COVID-19-NY-SBU"


@pytest.mark.shared_data
def test_import_prints_counts_and_succeeds(shared_dicom, capsys):
    assert main(["import", str(shared_dicom / PRIORS)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "imported: 30, duplicates: 0, failed: 0"

    assert main(["import", str(shared_dicom / PRIORS)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "imported: 0, duplicates: 30, failed: 0"


def test_import_names_each_failed_file_and_exits_1(tmp_path, capsys):
    good = tmp_path / "good.dcm"
    good.write_bytes(instance_bytes())
    bad = tmp_path / "bad.dcm"
    bad.write_bytes(instance_bytes()[:300])

    assert main(["import", str(good), str(bad), str(tmp_path / "absent.dcm")]) == 1

    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == "imported: 1, duplicates: 0, failed: 2"
    assert f"failed: {bad}: " in captured.err
    assert f"failed: {tmp_path / 'absent.dcm'}: not found" in captured.err
    assert "Traceback" not in captured.err


def test_list_json_shows_patients_studies_series_and_counts(tmp_path, capsys):
    for number in range(3):
        path = tmp_path / f"{number}.dcm"
        path.write_bytes(instance_bytes(series_instance_uid=f"1.2.5.{number % 2}", series_number=number % 2 + 1,
                                        modality="CT" if number % 2 else "PT", instance_number=number))
    main(["import", str(tmp_path)])
    capsys.readouterr()

    assert main(["archive", "list", "--json"]) == 0

    listing = json.loads(capsys.readouterr().out)
    (patient,) = listing["patients"]
    assert (patient["patient_id"], patient["patient_name"], patient["study_count"]) == ("P1", "Test^Patient", 1)
    (study,) = patient["studies"]
    assert study["modalities"] == ["CT", "PT"] and study["instance_count"] == 3
    assert study["study_date"] == "20240101" and study["study_description"] == "CT CHEST"
    series = [(s["series_number"], s["modality"], s["instance_count"]) for s in study["series"]]
    assert series == [(1, "PT", 2), (2, "CT", 1)]


def test_list_text_and_empty_archive(tmp_path, capsys):
    assert main(["archive", "list"]) == 0
    assert "empty" in capsys.readouterr().out
    (tmp_path / "a.dcm").write_bytes(instance_bytes())
    main(["import", str(tmp_path)])
    capsys.readouterr()

    assert main(["archive", "list"]) == 0

    text = capsys.readouterr().out
    assert "Test^Patient" in text and "20240101" in text and "CT CHEST" in text and "1 images" in text


def test_export_writes_the_study_and_unknown_study_fails_cleanly(tmp_path, capsys):
    data = instance_bytes(study_instance_uid="1.2.7.7")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.dcm").write_bytes(data)
    main(["import", str(tmp_path / "in")])

    assert main(["archive", "export", "--study", "1.2.7.7", str(tmp_path / "out")]) == 0
    (exported,) = (tmp_path / "out").rglob("*.dcm")
    assert hashlib.sha256(exported.read_bytes()).digest() == hashlib.sha256(data).digest()

    assert main(["archive", "export", "--study", "4.5.6", str(tmp_path / "other")]) == 1
    assert "study 4.5.6 is not in the local archive" in capsys.readouterr().err
    assert not Path(tmp_path / "other").exists()
