"""``workstation hang``: the dry run a protocol author runs on an archived study."""

from __future__ import annotations

import json

import pytest

from workstation.archive import Archive
from workstation.cli import main

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
    assert "box 0 : ABD SAG (current, stack, window default)" in out
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
