"""``workstation hang``: the dry run a protocol author runs on an archived study."""

from __future__ import annotations

import json

import pytest

from workstation.archive import Archive
from workstation.cli import main
from workstation.hanging.loading import user_protocols_folder
from workstation.hanging.schema import protocol_from_file
from workstation.net.orthanc_server import OrthancServer

PRIORS = "priors_ct/SaltyJoke_COVID-19-NY-SBU/A058062"


@pytest.fixture
def abdomen_studies(shared_dicom):
    with Archive.open_default() as archive:
        archive.import_paths([shared_dicom / PRIORS])
        return sorted(archive.studies(patient_id="A058062"), key=lambda s: s.study_date)


@pytest.mark.shared_data
def test_json_names_protocol_runners_up_and_each_box(abdomen_studies, capsys):
    older, newer = abdomen_studies

    assert main(["hang", "--study", newer.study_instance_uid, "--json"]) == 0

    report = json.loads(capsys.readouterr().out)
    assert report["protocol"]["id"] == "ct-abdomen" and report["protocol"]["score"] > 0
    assert report["priors"] == [older.study_instance_uid]
    assert [r["id"] for r in report["runners_up"]][-1] == "generic"
    axial = report["protocol"]["stages"][0]["boxes"]
    assert axial[0]["display_set"]["study_instance_uid"] == newer.study_instance_uid
    assert axial[2]["display_set"]["study_instance_uid"] == older.study_instance_uid
    assert axial[2]["display_set"]["prior"] is True and axial[1]["window"] == "Bone"
    coronal = report["protocol"]["stages"][1]["boxes"][0]
    assert coronal["display_set"] is None and "is_volume True" in coronal["why_empty"]
    assert (coronal["view"], coronal["plane"]) == ("mpr", "coronal")


@pytest.mark.shared_data
def test_text_output_and_a_single_protocol_file(abdomen_studies, tmp_path, capsys):
    draft = tmp_path / "draft.yaml"
    draft.write_text("id: draft\nname: Draft\nstages:\n  - layout: 1x1\n    boxes:\n"
                     "      - {image_set: current, select: [{attribute: orientation, equals: sagittal, required: true}]}\n")

    assert main(["hang", "--study", abdomen_studies[1].study_instance_uid, "--protocol", str(draft)]) == 0

    out = capsys.readouterr().out
    assert "protocol: Draft [draft, SITE] score 0" in out
    assert "box 0: ABD SAG (current, stack, window default)" in out
    assert "runner-up" not in out


@pytest.mark.shared_data
def test_an_invalid_protocol_file_is_listed_with_its_line_and_exit_1(abdomen_studies, tmp_path, capsys):
    draft = tmp_path / "bad.yaml"
    draft.write_text("id: bad\nname: Bad\nstages:\n  - layout: 7x7\n    boxes: [{image_set: current}]\n")

    assert main(["hang", "--study", abdomen_studies[1].study_instance_uid, "--protocol", str(draft)]) == 1

    captured = capsys.readouterr()
    assert "no hanging protocol fits this study" in captured.out
    assert f"skipped protocol file: {draft}:4: stages[0].layout: Unknown layout '7x7'" in captured.err


def test_unknown_study_is_a_message_not_a_traceback(capsys):
    assert main(["hang", "--study", "1.2.3.4"]) == 1
    err = capsys.readouterr().err
    assert "workstation: study 1.2.3.4 is not in the local archive" in err


def test_export_then_import_a_dicom_hanging_protocol(tmp_path, capsys):
    target = tmp_path / "mg.dcm"

    assert main(["hang", "--export-dicom", str(target), "--id", "mg-screening"]) == 0
    out = capsys.readouterr().out
    assert f"exported mg-screening to {target}" in out
    assert "  not carried by DICOM: Current 4-view: zoom synchronisation (the IOD only has scrolling)" in out

    assert main(["hang", "--import-dicom", str(target), "--user", "erin"]) == 0
    out = capsys.readouterr().out
    saved = user_protocols_folder("erin") / "mg-screening.yaml"
    assert f"imported mg-screening (SITE) from {target} to {saved}" in out
    protocol, problems = protocol_from_file(saved)
    assert problems == [] and [s.name for s in protocol.stages] == ["Current 4-view", "CC with prior",
                                                                    "MLO with prior"]


def test_export_of_an_unknown_id_and_import_of_a_ct_image_are_messages(tmp_path, capsys, shared_dicom):
    assert main(["hang", "--export-dicom", str(tmp_path / "x.dcm"), "--id", "nope"]) == 1
    assert "No hanging protocol with id 'nope'" in capsys.readouterr().err
    ct = next((shared_dicom / "priors_ct/SaltyJoke_COVID-19-NY-SBU/A002304/axial").iterdir())
    assert main(["hang", "--import-dicom", str(ct)]) == 1
    assert "is not a Hanging Protocol instance" in capsys.readouterr().err


@pytest.mark.timeout(60)
def test_push_to_and_pull_from_a_dicomweb_pacs(tmp_path, capsys):
    with OrthancServer(folder=tmp_path / "orthanc").start() as orthanc:
        assert main(["hang", "--push-to", orthanc.dicomweb_url, "--id", "dx-chest"]) == 0
        assert f"stored dx-chest on {orthanc.dicomweb_url} (DICOMweb (as ordinary instances))" in capsys.readouterr().out

        assert main(["hang", "--pull-from", orthanc.dicomweb_url, "--user", "frank"]) == 0

    out = capsys.readouterr().out
    assert f"1 hanging protocol(s) on {orthanc.dicomweb_url}" in out
    assert (user_protocols_folder("frank") / "dx-chest.yaml").is_file()
